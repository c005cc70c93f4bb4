// The one http.Client's Transport for a plan: http.DefaultTransport cloned,
// the target's CA as its only root, and the settings the plan asks for
// (keep-alive, protocol, the tuned row's idle pool) — see README.md, "How
// each point of the contract is met".

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

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
	if p.TLS && t.CA == "" {
		// A foreign server given without a CA: the system's roots
		// (crypto/x509's SystemCertPool, what a nil RootCAs means).
		tr.TLSClientConfig = &tls.Config{}
	} else if p.TLS {
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

// noRetry says whether requests need the opt-out of net/http's resend (see
// withoutResend): only plans whose server breaks connections on purpose
// (injected faults), where a resend would be injected twice and hide a
// failure; other plans keep the plain GET a Go program sends. Among those,
// an HTTP/1.1 request is resent only on a reused (keep-alive) connection;
// an HTTP/2 one on a stream refused or reset by the server with
// PROTOCOL_ERROR (golang/go#47635), whatever keep-alive says. So every
// fault plan but keep-alive-off HTTP/1.1 ones.
func noRetry(p *Plan) bool {
	return !p.Faults.none() && (p.KeepAlive || (p.TLS && p.Protocol != "http1"))
}

// withoutResend turns net/http's resend off for req when the plan needs it
// (noRetry). net/http resends an idempotent request (GET) whose reused
// keep-alive connection broke before the response (and an HTTP/2 request
// whose stream the server reset with PROTOCOL_ERROR), and has no switch for
// that; its docs say it retries only requests that "have no body or have
// GetBody defined". The contract allows no retries (a resent `reset` would
// be injected twice: measured 14 and 17 resets for 7), so the GET carries
// an empty body without GetBody. net/http sees it is empty and sends a
// plain GET (no body, no Transfer-Encoding).
func withoutResend(p *Plan, req *http.Request) {
	if noRetry(p) {
		req.Body = io.NopCloser(strings.NewReader(""))
	}
}
