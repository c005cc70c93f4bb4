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
// into a Document with encoding/json for a JSON plan.
func get(client *http.Client, p *Plan, i uint64, url string) Sample {
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
	if p.Format == "json" && resp.StatusCode == 200 {
		body := &readErr{r: resp.Body}
		var doc Document
		if err := json.NewDecoder(body).Decode(&doc); err != nil {
			return errorSample(time.Since(started), decodeKind(body), err)
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
	plan, target, row, tuned := parseCLI(os.Args[1:])
	// ONE client for every request; its Timeout covers the whole request,
	// connect to the last body byte.
	client := &http.Client{
		Transport: transport(&plan, target, tuned),
		Timeout:   time.Duration(plan.Timeout) * time.Millisecond,
	}
	urls := plan.urls(target)
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
			samples[i] = get(client, &plan, uint64(i), url)
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
