// go-goroutines and go-goroutines-tuned: many GETs at once with a goroutine
// per request and net/http.
//
// What a Go programmer writes for "call this API N times": ONE http.Client,
// reused, a goroutine per URL and a sync.WaitGroup to wait for them all — and,
// when the plan bounds the requests in flight, a buffered channel as the
// semaphore. The client's Transport is http.DefaultTransport cloned with the
// target's CA as its only root, so everything else is Go's default — among
// it MaxIdleConnsPerHost = 2, the famous surprise: with keep-alive, only two
// connections per host go back to the idle pool and the rest are closed after
// one request. `--tuned` (row go-goroutines-tuned) raises that to the plan's
// bound (N when unbounded).
//
//	go-goroutines [--tuned] --target '{"addr":"127.0.0.1:PORT","ca":"/path/ca.pem"}' \
//	  --plan '{"requests":100,"delay":100,"bytes":256,"format":"json","concurrency":null,
//	           "keep_alive":true,"tls":true,"protocol":"auto","timeout":30000,"heartbeat":10}'
//
// Prints one JSON summary line (see baselines/README.md). Exit 0 when every
// request succeeded, 1 when any failed, 2 on bad arguments or a plan it
// cannot run.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

func badArguments(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "error: "+format+"\n", a...)
	os.Exit(2)
}

// errNotH2 is the dial error of an http2 plan whose server did not pick h2.
var errNotH2 = errors.New("the server did not agree to HTTP/2 by ALPN")

// transport is http.DefaultTransport cloned, with the target's CA as the only
// root and the settings the plan asks for.
func transport(p *Plan, t Target, tuned bool) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// DefaultTransport takes a proxy from HTTP(S)_PROXY; the contract sends
	// traffic to the target only.
	tr.Proxy = nil
	if tuned {
		idle := int(p.Requests)
		if p.Concurrency > 0 && p.Concurrency < p.Requests {
			idle = int(p.Concurrency)
		}
		tr.MaxIdleConnsPerHost = idle
		// The total idle cap (100 by default) also caps the per-host one.
		if idle > tr.MaxIdleConns {
			tr.MaxIdleConns = idle
		}
	}
	if p.TLS {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			badArguments("cannot read the CA file %s: give a readable PEM file as \"ca\" in --target", t.CA)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			badArguments("no PEM certificate in the CA file %s: give a PEM certificate as \"ca\" in --target", t.CA)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	// keep_alive off: the Transport sends `Connection: close` and opens a
	// fresh connection for every request.
	tr.DisableKeepAlives = !p.KeepAlive
	switch p.Protocol {
	case "http1":
		// A non-nil, empty TLSNextProto is net/http's documented switch for
		// HTTP/2 off: ALPN then offers nothing and the server speaks HTTP/1.1.
		tr.ForceAttemptHTTP2 = false
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	case "http2":
		// net/http (before Go 1.24's Transport.Protocols) always offers
		// http/1.1 beside h2 by ALPN and falls back to HTTP/1.1 if the server
		// picks it. To hold it to HTTP/2, the TLS connection is made here
		// offering h2 alone, verified against the same root, and refused
		// unless h2 was agreed; ForceAttemptHTTP2 (on in DefaultTransport)
		// keeps HTTP/2 on with a custom dialer.
		tr.ForceAttemptHTTP2 = true
		dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second},
			Config: &tls.Config{RootCAs: tr.TLSClientConfig.RootCAs, NextProtos: []string{"h2"}}}
		tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if c.(*tls.Conn).ConnectionState().NegotiatedProtocol != "h2" {
				c.Close()
				return nil, errNotH2
			}
			return c, nil
		}
	}
	return tr
}

// errorKind classifies a net/http error: a timeout first (Client.Timeout,
// also while the body is read), then TLS, then the system call under it.
func errorKind(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &record) {
		return "tls"
	}
	if errors.Is(err, errNotH2) || strings.Contains(err.Error(), "no application protocol") {
		return "protocol" // an http2 plan: the server would not speak h2
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" { // a TLS alert from the server
		return "tls"
	}
	msg := err.Error()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL):
		return "connect"
	case strings.Contains(msg, "tls: "), // a handshake that failed on this side
		strings.Contains(msg, "server gave HTTP response to HTTPS client"): // no TLS there at all
		return "tls"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, io.EOF), strings.Contains(msg, "server closed idle connection"):
		return "reset" // the connection ended before the response
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated"
	case strings.Contains(msg, "stream error:"), strings.Contains(msg, "GOAWAY"):
		return "reset" // HTTP/2: the server reset the stream (in the body: truncated)
	case strings.Contains(msg, "malformed HTTP"):
		return "protocol"
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return "decode"
	}
	return "other"
}

// noRetry says whether requests need the opt-out of net/http's resend (see
// get): only plans whose server breaks connections on purpose (injected
// faults), where a resend would be injected twice and hide a failure; other
// plans keep the plain GET a Go program sends. Among those, an HTTP/1.1
// request is resent only on a reused (keep-alive) connection; an HTTP/2 one
// on a stream refused or reset by the server with PROTOCOL_ERROR
// (golang/go#47635), whatever keep-alive says. So every fault plan but
// keep-alive-off HTTP/1.1 ones.
func noRetry(p *Plan) bool {
	return !p.Faults.none() && (p.KeepAlive || (p.TLS && p.Protocol != "http1"))
}

// readErr remembers the error the body's reader returned, so a JSON decode
// that failed because the body broke off is told apart from one that failed
// on a body that arrived whole.
type readErr struct {
	r   io.Reader
	err error
}

func (r *readErr) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// get fetches request i with the one client: the body read whole, or decoded
// into a Document with encoding/json for a JSON plan.
func get(client *http.Client, p *Plan, i uint64, url string) Sample {
	started := time.Now()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return errorSample(time.Since(started), "other", err)
	}
	if noRetry(p) {
		// net/http resends an idempotent request (GET) whose reused
		// keep-alive connection broke before the response (and an HTTP/2
		// request whose stream the server reset with PROTOCOL_ERROR), and has
		// no switch for that; its docs say it retries only requests that
		// "have no body or have GetBody defined". The contract allows no retries (a resent
		// `reset` would be injected twice: measured 14 and 17 resets for 7),
		// so the GET carries an empty body without GetBody. net/http sees it
		// is empty and sends a plain GET (no body, no Transfer-Encoding).
		req.Body = io.NopCloser(strings.NewReader(""))
	}
	resp, err := client.Do(req)
	if err != nil {
		return errorSample(time.Since(started), inHead(errorKind(err)), err)
	}
	defer resp.Body.Close()
	if p.Format == "json" && resp.StatusCode == 200 {
		body := &readErr{r: resp.Body}
		var doc Document
		if err := json.NewDecoder(body).Decode(&doc); err != nil {
			kind := "decode" // the body arrived whole but is not the document
			if body.err != nil {
				kind = inBody(errorKind(body.err))
			}
			return errorSample(time.Since(started), kind, err)
		}
		// Read to the end (nothing is left): net/http reuses a connection
		// only once its body has been read to EOF.
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return errorSample(time.Since(started), inBody(errorKind(err)), err)
		}
		return documentSample(p, i, time.Since(started), &doc)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return errorSample(time.Since(started), inBody(errorKind(err)), err)
	}
	return responseSample(p, i, time.Since(started), resp.StatusCode, body)
}

func main() {
	flags := flag.NewFlagSet("go-goroutines", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	planJSON := flags.String("plan", "", "the plan as JSON (core's Plan)")
	targetJSON := flags.String("target", "", `where it runs (core's Target): {"addr":"HOST:PORT","ca":"/path/ca.pem"}`)
	tuned := flags.Bool("tuned", false, "row go-goroutines-tuned: MaxIdleConnsPerHost = the plan's bound (N when unbounded)")
	if err := flags.Parse(os.Args[1:]); err != nil {
		badArguments("%v (usage: [--tuned] --plan JSON --target JSON)", err)
	}
	if flags.NArg() > 0 {
		badArguments("unexpected argument %q (usage: [--tuned] --plan JSON --target JSON)", flags.Arg(0))
	}
	if *planJSON == "" {
		badArguments("the following arguments are required: --plan")
	}
	if *targetJSON == "" {
		badArguments("the following arguments are required: --target")
	}
	plan, err := parsePlan(*planJSON)
	if err != nil {
		badArguments("%v", err)
	}
	target, err := parseTarget(*targetJSON)
	if err != nil {
		badArguments("%v", err)
	}
	if plan.Protocol == "http2" && !plan.TLS {
		badArguments("go net/http cannot be held to HTTP/2 in cleartext (h2c needs golang.org/x/net/http2): run this plan with tls true, or protocol auto or http1")
	}
	if plan.TLS && target.CA == "" {
		badArguments(`the target %s has no CA certificate for HTTPS: give its PEM file as "ca" in --target`, target.Addr)
	}
	row := "go-goroutines"
	if *tuned {
		row = "go-goroutines-tuned"
	}

	// ONE client for every request; its Timeout covers the whole request,
	// connect to the last body byte.
	client := &http.Client{
		Transport: transport(&plan, target, *tuned),
		Timeout:   time.Duration(plan.Timeout) * time.Millisecond,
	}
	urls := plan.urls(target)
	samples := make([]Sample, len(urls))

	heartbeat := newHeartbeat(plan.Heartbeat)
	ticker := time.NewTicker(heartbeat.period)
	done := make(chan struct{})
	var ticking sync.WaitGroup
	ticking.Add(1)
	go func() {
		defer ticking.Done()
		for {
			select {
			case <-ticker.C:
				heartbeat.tick()
			case <-done:
				return
			}
		}
	}()

	var sem chan struct{} // nil = unbounded
	if plan.Concurrency > 0 {
		sem = make(chan struct{}, plan.Concurrency)
	}
	var wg sync.WaitGroup
	t0 := time.Now()
	for i, url := range urls {
		if sem != nil {
			sem <- struct{}{}
		}
		wg.Add(1)
		go func(i int, url string) {
			defer wg.Done()
			samples[i] = get(client, &plan, uint64(i), url)
			if sem != nil {
				<-sem
			}
		}(i, url)
	}
	wg.Wait()
	wall := time.Since(t0)
	heartbeat.stop()
	ticker.Stop()
	close(done)
	ticking.Wait()

	summary := summarize(row, samples, wall, heartbeat)
	line, _ := json.Marshal(summary)
	fmt.Println(string(line))
	if failed := summary.Requests - summary.OK; failed > 0 {
		var kinds []string
		for _, k := range []string{"body-mismatch", "connect", "decode", "other", "protocol", "reset", "status", "timeout", "tls", "truncated"} {
			if n := summary.Errors[k]; n > 0 {
				kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
			}
		}
		fmt.Fprintf(os.Stderr, "error: %d of %d requests to %s failed (%s)\n", failed, summary.Requests, target.Addr, strings.Join(kinds, ", "))
		os.Exit(1)
	}
}
