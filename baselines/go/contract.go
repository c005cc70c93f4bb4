// The contract every reference program keeps, ported from the Rust crate
// fanout-core (and kept in step with baselines/python/fanout_common.py): the
// plan and the target (the project's server, or a foreign one given by a
// URL template), validated like core; the URL of request i; the injected
// faults' decision; the body rule and the JSON document rule with their
// verification, and what is checked of a foreign server's answers
// (`Expect`); the heartbeat's record; the summary line. See
// baselines/README.md.

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bounds of core's plan.rs (the server enforces the same ones).
const (
	maxDelayMS   = 60_000
	maxBytes     = 64 * 1024 * 1024
	maxRequests  = 1_000_000
	maxJSONBytes = 4 * 1024 * 1024
)

// faultKinds in core's query order (`Fault::ALL`).
var faultKinds = []string{"error", "reset", "stall", "truncate", "slow", "corrupt"}

// Faults is core's `Faults`: a seed and per-mille rates, in faultKinds order.
type Faults struct {
	Seed  uint64
	Rates [6]uint16
}

func (f Faults) none() bool {
	for _, r := range f.Rates {
		if r > 0 {
			return false
		}
	}
	return true
}

// mix is SplitMix64 of (seed, id), core's `faults::mix`.
func mix(seed, id uint64) uint64 {
	z := seed ^ (id * 0x9E3779B97F4A7C15)
	z += 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// decide is core's `Faults::decide`: the fault of request id, "" for none.
func (f Faults) decide(id uint64) string {
	if f.none() {
		return ""
	}
	x := uint16(mix(f.Seed, id) % 1000)
	for i, r := range f.Rates {
		if x < r {
			return faultKinds[i]
		}
		x -= r
	}
	return ""
}

// Plan is core's `Plan` (durations in whole milliseconds).
type Plan struct {
	Requests    uint64
	Delay       uint64
	Bytes       uint64
	Format      string // "bytes" | "json"
	Concurrency uint64 // 0 = unbounded
	KeepAlive   bool
	TLS         bool
	Protocol    string // "auto" | "http1" | "http2"
	Timeout     uint64
	Heartbeat   uint64
	Faults      Faults
}

// Target is core's `Target`: HOST:PORT serving HTTP and HTTPS, and the CA;
// or a foreign server, whose URL template (normalized by core) gives every
// request's URL.
type Target struct {
	Addr    string
	CA      string   // "" = none: a foreign server is verified against the system's roots
	Foreign *Foreign // nil = the project's server
}

// Foreign is core's `Foreign`: request i is URL with `{i}` replaced; Echo is
// "nothing" or "args" (httpbin's echo of the query, checked).
type Foreign struct {
	URL  string
	Echo string
}

type planError string

func (e planError) Error() string { return string(e) }

// field decodes obj[name] into v; a missing field is an error unless optional.
func field(obj map[string]json.RawMessage, prefix, name string, v interface{}, optional bool) (bool, error) {
	raw, ok := obj[name]
	if !ok {
		if optional {
			return false, nil
		}
		return false, planError(fmt.Sprintf("--plan is missing field `%s%s`", prefix, name))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, planError(fmt.Sprintf("--plan field `%s%s` is not valid: %s", prefix, name, strings.TrimPrefix(err.Error(), "json: ")))
	}
	return true, nil
}

// parsePlan parses and validates a plan like serde + core's `Plan::validate`:
// unknown fields are ignored, `format`, `tls`, `protocol` and `faults` may be
// absent, `concurrency` may be null or absent.
func parsePlan(text string) (Plan, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &obj); err != nil || obj == nil {
		return Plan{}, planError("--plan must be a JSON object (core's Plan)")
	}
	p := Plan{Format: "bytes", Protocol: "auto"}
	var conc *uint64
	var faults map[string]json.RawMessage
	for _, f := range []struct {
		name     string
		v        interface{}
		optional bool
	}{
		{"requests", &p.Requests, false}, {"delay", &p.Delay, false}, {"bytes", &p.Bytes, false},
		{"format", &p.Format, true}, {"concurrency", &conc, true}, {"keep_alive", &p.KeepAlive, false},
		{"tls", &p.TLS, true}, {"protocol", &p.Protocol, true}, {"timeout", &p.Timeout, false},
		{"heartbeat", &p.Heartbeat, false}, {"faults", &faults, true},
	} {
		if _, err := field(obj, "", f.name, f.v, f.optional); err != nil {
			return p, err
		}
	}
	if conc != nil {
		if *conc == 0 {
			return p, planError("invalid plan: concurrency must be at least 1 (omit it for unbounded)")
		}
		p.Concurrency = *conc
	}
	if p.Format != "bytes" && p.Format != "json" {
		return p, planError(fmt.Sprintf("--plan field `format` must be one of bytes, json, got %q", p.Format))
	}
	if p.Protocol != "auto" && p.Protocol != "http1" && p.Protocol != "http2" {
		return p, planError(fmt.Sprintf("--plan field `protocol` must be one of auto, http1, http2, got %q", p.Protocol))
	}
	if faults != nil {
		if _, err := field(faults, "faults.", "seed", &p.Faults.Seed, false); err != nil {
			return p, err
		}
		for i, k := range faultKinds {
			if _, err := field(faults, "faults.", k, &p.Faults.Rates[i], k == "corrupt"); err != nil {
				return p, err
			}
		}
	}
	oob := func(m string, a ...interface{}) (Plan, error) {
		return p, planError("invalid plan: " + fmt.Sprintf(m, a...))
	}
	switch {
	case p.Requests == 0 || p.Requests > maxRequests:
		return oob("requests must be 1..=%d, got %d", maxRequests, p.Requests)
	case p.Delay > maxDelayMS:
		return oob("delay must be at most %d ms, got %d ms", maxDelayMS, p.Delay)
	case p.Bytes > maxBytes:
		return oob("bytes must be at most %d, got %d", maxBytes, p.Bytes)
	case p.Format == "json" && p.Bytes > maxJSONBytes:
		return oob("a JSON document must be at most %d bytes, got %d", maxJSONBytes, p.Bytes)
	case p.Timeout == 0:
		return oob("timeout must be greater than zero")
	case !p.KeepAlive && p.Protocol == "http2":
		return oob("keep-alive off (`Connection: close`) is HTTP/1.1's; HTTP/2 has no per-request close: use protocol http1 or auto")
	case p.Heartbeat < 1:
		return oob("heartbeat period must be at least 1 ms")
	case p.Timeout > math.MaxInt64/uint64(time.Millisecond) || p.Heartbeat > math.MaxInt64/uint64(time.Millisecond):
		return oob("timeout and heartbeat must be at most %d ms here (a time.Duration)", math.MaxInt64/uint64(time.Millisecond))
	}
	sum := 0
	for _, r := range p.Faults.Rates {
		sum += int(r)
	}
	if sum > 1000 {
		return oob("fault rates add up to %d‰, more than 1000‰", sum)
	}
	return p, nil
}

// parseTarget parses core's `Target`: {"addr":"HOST:PORT","ca":"/path/ca.pem"}.
func parseTarget(text string) (Target, error) {
	var t struct {
		Addr    *string `json:"addr"`
		CA      *string `json:"ca"`
		Foreign *struct {
			URL  *string `json:"url"`
			Echo *string `json:"echo"`
		} `json:"foreign"`
	}
	bad := planError(`--target must be a JSON object with "addr": "HOST:PORT" (and "ca": "/path/ca.pem" for HTTPS)`)
	if err := json.Unmarshal([]byte(text), &t); err != nil || t.Addr == nil {
		return Target{}, bad
	}
	addr := *t.Addr
	i := strings.LastIndex(addr, ":")
	if i <= 0 {
		return Target{}, planError(fmt.Sprintf("--target addr must look like HOST:PORT, got %q", addr))
	}
	host, port := addr[:i], addr[i+1:]
	hostOK := !strings.ContainsAny(host, "/?#@ ") &&
		(!strings.Contains(host, ":") || (strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]")))
	if _, err := strconv.ParseUint(port, 10, 16); err != nil || !hostOK || strings.ContainsAny(port, "+-") {
		return Target{}, planError(fmt.Sprintf("--target addr must look like HOST:PORT, got %q", addr))
	}
	tg := Target{Addr: addr}
	if t.CA != nil {
		tg.CA = *t.CA
	}
	if f := t.Foreign; f != nil {
		if f.URL == nil || !(strings.HasPrefix(*f.URL, "http://") || strings.HasPrefix(*f.URL, "https://")) {
			return Target{}, planError(`--target field ` + "`foreign`" + ` must be {"url": "http(s)://…"} (core writes it)`)
		}
		echo := "nothing"
		if f.Echo != nil {
			echo = *f.Echo
		}
		if echo != "nothing" && echo != "args" {
			return Target{}, planError(fmt.Sprintf("--target field `foreign.echo` must be nothing or args, got %q", echo))
		}
		tg.Foreign = &Foreign{URL: *f.URL, Echo: echo}
	}
	return tg, nil
}

// path is core's `Plan::path(i)`.
func (p *Plan) path(i uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "/delay/%d?id=%d&bytes=%d", p.Delay, i, p.Bytes)
	if p.Format == "json" {
		b.WriteString("&format=json")
	}
	if !p.Faults.none() {
		fmt.Fprintf(&b, "&seed=%d", p.Faults.Seed)
		for k, r := range p.Faults.Rates {
			if r > 0 {
				fmt.Fprintf(&b, "&%s=%d", faultKinds[k], r)
			}
		}
		if p.Faults.Rates[2] > 0 {
			stall := p.Timeout + 1000
			if stall > maxDelayMS {
				stall = maxDelayMS
			}
			fmt.Fprintf(&b, "&stall_ms=%d", stall)
		}
	}
	return b.String()
}

// urls are all N URLs, built before the clock starts: a foreign server's
// template with `{i}` replaced (core's `Foreign::url`), or the project's paths.
func (p *Plan) urls(t Target) []string {
	if t.Foreign != nil {
		out := make([]string, p.Requests)
		for i := range out {
			out[i] = strings.ReplaceAll(t.Foreign.URL, "{i}", strconv.Itoa(i))
		}
		return out
	}
	scheme := "http"
	if p.TLS {
		scheme = "https"
	}
	out := make([]string, p.Requests)
	for i := range out {
		out[i] = scheme + "://" + t.Addr + p.path(uint64(i))
	}
	return out
}

// ---------------------------------------------------------------------------
// The body rule (core's body.rs, ported exactly)
//
// prefix  = the ASCII digits of id, then ':'      e.g. "42:"
// body[k] = prefix[k]                 for k < len(prefix)
// body[k] = FILL[(id + k) mod 64]     otherwise
// and the body is exactly n bytes (shorter than the prefix: the prefix cut short).

const fill = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// fillBuf is FILL repeated, grown (never shrunk) to the largest body seen:
// any window of the infinite fill starts in its first 64 bytes, so checking a
// body is one bytes.Equal.
var (
	fillMu  sync.Mutex
	fillBuf = []byte(fill)
)

func fillWindow(start, n int) []byte {
	fillMu.Lock()
	defer fillMu.Unlock()
	if len(fillBuf) < start+n {
		fillBuf = bytes.Repeat([]byte(fill), n/64+2)
	}
	return fillBuf[start : start+n]
}

// expectedBody is the whole body of request id, n bytes long (for tests:
// verify does not build it).
func expectedBody(id, n uint64) []byte {
	prefix := strconv.FormatUint(id, 10) + ":"
	b := make([]byte, n)
	for k := range b {
		if k < len(prefix) {
			b[k] = prefix[k]
		} else {
			b[k] = fill[(id+uint64(k))%64]
		}
	}
	return b
}

// verify reports whether body is exactly the server's body for request id, n long.
func verify(id, n uint64, body []byte) bool {
	if uint64(len(body)) != n {
		return false
	}
	prefix := strconv.FormatUint(id, 10) + ":"
	if uint64(len(prefix)) > n {
		prefix = prefix[:n]
	}
	plen := len(prefix)
	return string(body[:plen]) == prefix &&
		bytes.Equal(body[plen:], fillWindow(int((id+uint64(plen))%64), len(body)-plen))
}

// ---------------------------------------------------------------------------
// The JSON document rule (core's document.rs, ported exactly)
//
// n        = max(1, bytes / 56)                   records
// id       = id
// name     = "item-{id}"
// active   = id mod 2 == 0
// score    = (id mod 1000) / 4                    a float, exact in binary
// tags     = ["tag-{(id + j) mod 7}" for j in 0..3]
// owner    = {"id": id mod 997, "email": "user{id mod 997}@example.com"}
// records  = [{"seq": k, "label": "rec-{id}-{k}", "value": (id * 31 + k * 17) mod 100000,
//              "ok": (id + k) mod 3 != 0} for k in 0..n]

// Document is what encoding/json decodes a JSON plan's answer into.
type Document struct {
	ID      uint64   `json:"id"`
	Name    string   `json:"name"`
	Active  bool     `json:"active"`
	Score   float64  `json:"score"`
	Tags    []string `json:"tags"`
	Owner   Owner    `json:"owner"`
	Records []Record `json:"records"`
}

// Owner is the document's nested object.
type Owner struct {
	ID    uint64 `json:"id"`
	Email string `json:"email"`
}

// Record is one element of Document.Records.
type Record struct {
	Seq   uint64 `json:"seq"`
	Label string `json:"label"`
	Value uint64 `json:"value"`
	OK    bool   `json:"ok"`
}

func records(n uint64) uint64 {
	if n/56 < 1 {
		return 1
	}
	return n / 56
}

// verify checks the decoded document is exactly the one of request id for a
// plan of n bytes, field by field (core's `Document::verify`).
func (d *Document) verify(id, n uint64) bool {
	owner := id % 997
	u := func(x uint64) string { return strconv.FormatUint(x, 10) }
	if d.ID != id || d.Name != "item-"+u(id) || d.Active != (id%2 == 0) || d.Score != float64(id%1000)/4 {
		return false
	}
	if len(d.Tags) != 3 {
		return false
	}
	for j, t := range d.Tags {
		if t != "tag-"+u((id+uint64(j))%7) {
			return false
		}
	}
	if d.Owner.ID != owner || d.Owner.Email != "user"+u(owner)+"@example.com" {
		return false
	}
	if uint64(len(d.Records)) != records(n) {
		return false
	}
	for k, r := range d.Records {
		seq := uint64(k)
		if r.Seq != seq || r.Value != (id*31+seq*17)%100000 || r.OK != ((id+seq)%3 != 0) ||
			r.Label != "rec-"+u(id)+"-"+u(seq) {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// Samples (core's sample.rs and drive.rs)

// Sample is one request's record; a failed request is a sample, never dropped.
type Sample struct {
	Latency  time.Duration // from the request's start to its last body byte (or failure)
	Error    string        // "" = 200 and a verified body
	Bytes    uint64        // body bytes read (0 for a decoded JSON document)
	Verified bool
}

// responseSample turns a response read as bytes into a sample, as core's
// `to_sample`: non-200 is `status`; a 200 byte body too short is
// `truncated`, any other mismatch `body-mismatch`.
func responseSample(p *Plan, id uint64, latency time.Duration, status int, body []byte) Sample {
	n := uint64(len(body))
	switch {
	case status != 200:
		return Sample{latency, "status", n, false}
	case p.Format == "json":
		return Sample{latency, "decode", n, false}
	case verify(id, p.Bytes, body):
		return Sample{latency, "", n, true}
	case n < p.Bytes:
		return Sample{latency, "truncated", n, false}
	default:
		return Sample{latency, "body-mismatch", n, false}
	}
}

// documentSample is a 200 answer to a JSON plan, decoded by encoding/json.
func documentSample(p *Plan, id uint64, latency time.Duration, d *Document) Sample {
	if d.verify(id, p.Bytes) {
		return Sample{latency, "", 0, true}
	}
	return Sample{latency, "body-mismatch", 0, false}
}

// queryArg is one key of a template's query and its values, in order.
type queryArg struct {
	key    string
	values []string
}

// queryArgs is a template's query as httpbin echoes it in `args` (core's
// `query_args`): form-decoded, a key given twice keeping both values.
func queryArgs(template string) []queryArg {
	query := ""
	if i := strings.IndexByte(template, '?'); i >= 0 {
		query = template[i+1:]
	}
	var args []queryArg
	for _, pair := range strings.Split(query, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = formDecode(k), formDecode(v)
		found := false
		for i := range args {
			if args[i].key == k {
				args[i].values = append(args[i].values, v)
				found = true
				break
			}
		}
		if !found {
			args = append(args, queryArg{k, []string{v}})
		}
	}
	return args
}

// formDecode is application/x-www-form-urlencoded decoding: `+` is a space,
// `%XX` a byte; a `%` not followed by two hex digits stays as it is.
func formDecode(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return strings.ReplaceAll(s, "+", " ")
}

// echoes says whether v (a JSON value as encoding/json decodes it into an
// interface{}) is httpbin's echo of request id's query (core's `echoes`).
func echoes(v interface{}, args []queryArg, id uint64) bool {
	obj, _ := v.(map[string]interface{})
	got, ok := obj["args"].(map[string]interface{})
	if !ok || len(got) != len(args) {
		return false
	}
	i := strconv.FormatUint(id, 10)
	for _, a := range args {
		g := got[strings.ReplaceAll(a.key, "{i}", i)]
		if len(a.values) == 1 {
			if s, ok := g.(string); !ok || s != strings.ReplaceAll(a.values[0], "{i}", i) {
				return false
			}
			continue
		}
		list, ok := g.([]interface{})
		if !ok || len(list) != len(a.values) {
			return false
		}
		for k, w := range a.values {
			if s, ok := list[k].(string); !ok || s != strings.ReplaceAll(w, "{i}", i) {
				return false
			}
		}
	}
	return true
}

// Expect is what a fan-out's answers must be, core's `Expect`
// (drive/request.rs), made once before the clock starts: on the project's
// server a 200 with core's body or document; on a foreign server a 2xx, a
// JSON plan's body decoded (any value), and what the server echoes — with
// no echo the content is not verified, yet a success.
type Expect struct {
	plan    *Plan
	foreign bool
	args    []queryArg // nil = no echo
}

func newExpect(p *Plan, t Target) *Expect {
	e := &Expect{plan: p, foreign: t.Foreign != nil}
	if e.foreign && t.Foreign.Echo == "args" {
		e.args = queryArgs(t.Foreign.URL)
		if e.args == nil {
			e.args = []queryArg{}
		}
	}
	return e
}

// read says how an answer with this status is read (core's
// `Request::body_as`): "document" (into a Document), "value" (into an
// interface{}), or "bytes".
func (e *Expect) read(status int) string {
	if e.plan.Format == "json" {
		if !e.foreign && status == 200 {
			return "document"
		}
		if e.foreign && status >= 200 && status < 300 {
			return "value"
		}
	}
	return "bytes"
}

// response is an answer read as bytes, as core's `to_sample`.
func (e *Expect) response(id uint64, latency time.Duration, status int, body []byte) Sample {
	if !e.foreign {
		return responseSample(e.plan, id, latency, status, body)
	}
	n := uint64(len(body))
	switch {
	case status < 200 || status >= 300:
		return Sample{latency, "status", n, false}
	case e.plan.Format == "json":
		return Sample{latency, "decode", n, false}
	default:
		return Sample{latency, "", n, false}
	}
}

// value is a foreign server's answer decoded into an interface{}, checked
// for its echo.
func (e *Expect) value(latency time.Duration, id uint64, v interface{}) Sample {
	switch {
	case e.args == nil:
		return Sample{latency, "", 0, false}
	case echoes(v, e.args, id):
		return Sample{latency, "", 0, true}
	default:
		return Sample{latency, "body-mismatch", 0, false}
	}
}

var warnOther sync.Once

// errorSample is a failed request; an unclassified error's message goes to
// stderr once.
func errorSample(latency time.Duration, kind string, err error) Sample {
	if kind == "other" {
		warnOther.Do(func() {
			fmt.Fprintf(os.Stderr, "note: a request failed with an error the program does not classify (counted as other; said once): %v\n", err)
		})
	}
	return Sample{latency, kind, 0, false}
}

// errorKinds are core's error kinds, in report order (`ErrorKind::ALL`).
var errorKinds = []string{"connect", "tls", "timeout", "reset", "status", "truncated", "protocol", "body-mismatch", "decode", "other"}

// sortedKinds are the error kinds by name, the summary's order.
func sortedKinds() []string {
	k := append([]string(nil), errorKinds...)
	sort.Strings(k)
	return k
}

// expectedKind is the error kind a fault must come out as on a plan of this
// format (core's `Fault::expected_kind`); "" = the request succeeds.
func expectedKind(fault, format string) string {
	switch fault {
	case "error":
		return "status"
	case "reset":
		return "reset"
	case "stall":
		return "timeout"
	case "truncate":
		return "truncated"
	case "corrupt":
		if format == "json" {
			return "decode"
		}
		return "body-mismatch"
	}
	return ""
}

// inHead is core's `ErrorKind::in_head`: the connection ending before the
// response head is a `reset`; inBody, `in_body`: while the body is read, a
// `truncated` body.
func inHead(kind string) string {
	if kind == "truncated" {
		return "reset"
	}
	return kind
}

func inBody(kind string) string {
	if kind == "reset" {
		return "truncated"
	}
	return kind
}

// ---------------------------------------------------------------------------
// The heartbeat (core's heartbeat.rs)

// Heartbeat is the record of a ticker with a fixed period. Ticks are due at
// start + k*period (k = 1, 2, ...). When the ticker runs at time t, tick()
// records ONE tick, for the earliest due time not yet recorded, with
// lateness t - due, and counts the other due times <= t as missed; the next
// due time is the first k*period after t.
type Heartbeat struct {
	mu       sync.Mutex
	period   time.Duration
	start    time.Time
	next     int64
	lateness []time.Duration
	missed   int64
	stopped  bool
}

func newHeartbeat(periodMS uint64) *Heartbeat {
	if periodMS < 1 {
		periodMS = 1
	}
	return &Heartbeat{period: time.Duration(periodMS) * time.Millisecond, start: time.Now(), next: 1}
}

func (h *Heartbeat) tick() {
	elapsed := time.Since(h.start)
	h.mu.Lock()
	defer h.mu.Unlock()
	due := h.period * time.Duration(h.next)
	if h.stopped || elapsed < due {
		return
	}
	h.lateness = append(h.lateness, elapsed-due)
	reached := int64(elapsed / h.period)
	h.missed += reached - h.next
	h.next = reached + 1
}

func (h *Heartbeat) stop() {
	h.mu.Lock()
	h.stopped = true
	h.mu.Unlock()
}

// runTicker drives the record from a goroutine receiving from a
// time.Ticker(period), which fires on the start + k*period grid and drops
// ticks for a slow receiver (counted as missed). The function it returns
// stops the record and the goroutine.
func (h *Heartbeat) runTicker() func() {
	ticker := time.NewTicker(h.period)
	done := make(chan struct{})
	var ticking sync.WaitGroup
	ticking.Add(1)
	go func() {
		defer ticking.Done()
		for {
			select {
			case <-ticker.C:
				h.tick()
			case <-done:
				return
			}
		}
	}()
	return func() {
		h.stop()
		ticker.Stop()
		close(done)
		ticking.Wait()
	}
}

// ---------------------------------------------------------------------------
// The summary

// ms is a float of milliseconds, printed with a fraction like the other
// programs' (5.0, not 5).
type ms float64

func (m ms) MarshalJSON() ([]byte, error) {
	s := strconv.FormatFloat(float64(m), 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return []byte(s), nil
}

func msOf(d time.Duration) ms { return ms(float64(d) / 1e6) }

// Summary is the summary line, key for key (see baselines/README.md).
type Summary struct {
	Row       string            `json:"row"`
	Requests  int               `json:"requests"`
	OK        int               `json:"ok"`
	Errors    map[string]uint64 `json:"errors"` // encoding/json sorts the keys: a BTreeMap in Rust
	Verified  int               `json:"verified"`
	Bytes     uint64            `json:"bytes"`
	WallMS    ms                `json:"wall_ms"`
	ReqPerS   ms                `json:"req_per_s"`
	LatencyMS struct {
		P50  ms `json:"p50"`
		P90  ms `json:"p90"`
		P99  ms `json:"p99"`
		Max  ms `json:"max"`
		Mean ms `json:"mean"`
	} `json:"latency_ms"`
	Heartbeat struct {
		PeriodMS      ms    `json:"period_ms"`
		Ticks         int   `json:"ticks"`
		Missed        int64 `json:"missed"`
		MaxLatenessMS ms    `json:"max_lateness_ms"`
		P99LatenessMS ms    `json:"p99_lateness_ms"`
	} `json:"heartbeat"`
}

// quantile is the nearest-rank quantile of a sorted slice; 0 when empty.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

func summarize(row string, samples []Sample, wall time.Duration, h *Heartbeat) Summary {
	s := Summary{Row: row, Requests: len(samples), Errors: map[string]uint64{}}
	var lat []time.Duration
	var total time.Duration
	for _, x := range samples {
		if x.Error == "" {
			lat = append(lat, x.Latency)
			total += x.Latency
		} else {
			s.Errors[x.Error]++
		}
		if x.Verified {
			s.Verified++
		}
		s.Bytes += x.Bytes
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s.OK = len(lat)
	s.WallMS = msOf(wall)
	if wall > 0 {
		s.ReqPerS = ms(float64(len(samples)) / wall.Seconds())
	}
	s.LatencyMS.P50, s.LatencyMS.P90, s.LatencyMS.P99 = msOf(quantile(lat, 0.5)), msOf(quantile(lat, 0.9)), msOf(quantile(lat, 0.99))
	if len(lat) > 0 {
		s.LatencyMS.Max = msOf(lat[len(lat)-1])
		s.LatencyMS.Mean = ms(float64(total) / float64(len(lat)) / 1e6)
	}
	h.mu.Lock()
	late := append([]time.Duration(nil), h.lateness...)
	s.Heartbeat.Missed = h.missed
	h.mu.Unlock()
	sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
	s.Heartbeat.PeriodMS = msOf(h.period)
	s.Heartbeat.Ticks = len(late)
	if len(late) > 0 {
		s.Heartbeat.MaxLatenessMS = msOf(late[len(late)-1])
	}
	s.Heartbeat.P99LatenessMS = msOf(quantile(late, 0.99))
	return s
}
