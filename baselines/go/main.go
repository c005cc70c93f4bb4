// go-goroutines and go-goroutines-tuned: many GETs at once with a goroutine
// per request and net/http.
//
// What a Go programmer writes for "call this API N times": ONE http.Client,
// reused, a goroutine per URL and a sync.WaitGroup to wait for them all — and,
// when the plan bounds the requests in flight, a buffered channel as the
// semaphore. The client's Transport is http.DefaultTransport cloned with the
// target's CA as its only root (transport.go), so everything else is Go's
// default — among it MaxIdleConnsPerHost = 2, the famous surprise: with
// keep-alive, only two connections per host go back to the idle pool and the
// rest are closed after one request. `--tuned` (row go-goroutines-tuned)
// raises that to the plan's bound (N when unbounded).
//
//	go-goroutines [--tuned] --target '{"addr":"127.0.0.1:PORT","ca":"/path/ca.pem"}' \
//	  --plan '{"requests":100,"delay":100,"bytes":256,"format":"json","concurrency":null,
//	           "keep_alive":true,"tls":true,"protocol":"auto","timeout":30000,"heartbeat":10}'
//
// Prints one JSON summary line (see baselines/README.md). This file is the
// program; the contract it keeps is in contract.go, the command line in
// cli.go, the Transport in transport.go, error classification in errors.go.
package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// get fetches request i with the one client: the body read whole, or decoded
// with encoding/json for a JSON plan — into a Document from the project's
// server, into an interface{} from a foreign one (expect says which).
func get(client *http.Client, p *Plan, expect *Expect, i uint64, url string) Sample {
	started := time.Now()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return errorSample(time.Since(started), "other", err)
	}
	withoutResend(p, req) // fault plans only: no retries (transport.go)
	resp, err := client.Do(req)
	if err != nil {
		return errorSample(time.Since(started), inHead(errorKind(err)), err)
	}
	defer resp.Body.Close()
	switch expect.read(resp.StatusCode) {
	case "document":
		var doc Document
		if failed := decode(resp, &doc, started); failed != nil {
			return *failed
		}
		return documentSample(p, i, time.Since(started), &doc)
	case "value":
		var v interface{}
		if failed := decode(resp, &v, started); failed != nil {
			return *failed
		}
		return expect.value(time.Since(started), i, v)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return errorSample(time.Since(started), inBody(errorKind(err)), err)
	}
	return expect.response(i, time.Since(started), resp.StatusCode, body)
}

// decode decodes resp's body into v with encoding/json, then reads it to the
// end (nothing is left: net/http reuses a connection only once its body has
// been read to EOF); the sample of a failure, or nil.
func decode(resp *http.Response, v interface{}, started time.Time) *Sample {
	body := &readErr{r: resp.Body}
	if err := json.NewDecoder(body).Decode(v); err != nil {
		s := errorSample(time.Since(started), decodeKind(body), err)
		return &s
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		s := errorSample(time.Since(started), inBody(errorKind(err)), err)
		return &s
	}
	return nil
}

func main() {
	plan, target, row, tuned := parseCLI(os.Args[1:])
	// ONE client for every request; its Timeout covers the whole request,
	// connect to the last body byte.
	client := &http.Client{
		Transport: transport(&plan, target, tuned),
		Timeout:   time.Duration(plan.Timeout) * time.Millisecond,
	}
	urls := plan.urls(target)
	expect := newExpect(&plan, target)
	samples := make([]Sample, len(urls))
	heartbeat := newHeartbeat(plan.Heartbeat)
	stopTicker := heartbeat.runTicker() // a goroutine on a time.Ticker

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
			samples[i] = get(client, &plan, expect, uint64(i), url)
			if sem != nil {
				<-sem
			}
		}(i, url)
	}
	wg.Wait()
	wall := time.Since(t0)
	stopTicker()
	os.Exit(report(row, target, samples, wall, heartbeat))
}
