// The Go port of the contract (contract.go) against core's golden vectors
// (baselines/vectors.json, written by `cargo xtask vectors`).
//
//	cd baselines/go && go test ./...
//
// (`cargo test --workspace` runs it when Go is installed,
// crates/fanout/tests/ports.rs.) Standard library only.

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

type vectors struct {
	Target json.RawMessage `json:"target"`
	URLs   []struct {
		Name     string          `json:"name"`
		Plan     json.RawMessage `json:"plan"`
		Requests []struct {
			I   uint64 `json:"i"`
			URL string `json:"url"`
		} `json:"requests"`
	} `json:"urls"`
	Bodies []struct {
		ID     uint64  `json:"id"`
		Bytes  uint64  `json:"bytes"`
		SHA256 string  `json:"sha256"`
		Text   *string `json:"text"`
	} `json:"bodies"`
	BodyChecks []struct {
		ID        uint64 `json:"id"`
		Bytes     uint64 `json:"bytes"`
		BodyID    uint64 `json:"body_id"`
		BodyBytes uint64 `json:"body_bytes"`
		FirstByte string `json:"first_byte"`
		OK        bool   `json:"ok"`
	} `json:"body_checks"`
	Documents []struct {
		ID       uint64          `json:"id"`
		Bytes    uint64          `json:"bytes"`
		Document json.RawMessage `json:"document"`
	} `json:"documents"`
	DocumentChecks []struct {
		ID    uint64          `json:"id"`
		Bytes uint64          `json:"bytes"`
		Value json.RawMessage `json:"value"`
		Kind  *string         `json:"kind"`
	} `json:"document_checks"`
	Faults []struct {
		Faults         json.RawMessage              `json:"faults"`
		Requests       uint64                       `json:"requests"`
		Decisions      []*string                    `json:"decisions"`
		Counts         map[string]uint64            `json:"counts"`
		ExpectedErrors map[string]map[string]uint64 `json:"expected_errors"`
	} `json:"faults"`
	FaultKinds []struct {
		Fault string  `json:"fault"`
		Bytes *string `json:"bytes"`
		JSON  *string `json:"json"`
	} `json:"fault_kinds"`
	ErrorKinds []struct {
		Kind   string `json:"kind"`
		InHead string `json:"in_head"`
		InBody string `json:"in_body"`
	} `json:"error_kinds"`
	InvalidPlans []struct {
		Plan json.RawMessage `json:"plan"`
		Why  string          `json:"why"`
	} `json:"invalid_plans"`
	Foreign struct {
		Targets []struct {
			Name     string          `json:"name"`
			Target   json.RawMessage `json:"target"`
			Requests []struct {
				I   uint64 `json:"i"`
				URL string `json:"url"`
			} `json:"requests"`
		} `json:"targets"`
		Reads []struct {
			Target   string   `json:"target"`
			Format   string   `json:"format"`
			Statuses []int    `json:"statuses"`
			Read     []string `json:"read"`
		} `json:"reads"`
		Checks []struct {
			Target string `json:"target"`
			Format string `json:"format"`
			ID     uint64 `json:"id"`
			Status int    `json:"status"`
			Body   struct {
				Value json.RawMessage `json:"value"`
				Text  *string         `json:"text"`
			} `json:"body"`
			Read     string  `json:"read"`
			Kind     *string `json:"kind"`
			Verified bool    `json:"verified"`
		} `json:"checks"`
	} `json:"foreign"`
}

func load(t *testing.T) vectors {
	t.Helper()
	data, err := os.ReadFile("../vectors.json")
	if err != nil {
		t.Fatalf("cannot read the vectors: %v", err)
	}
	var v vectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("cannot parse the vectors: %v", err)
	}
	return v
}

// str is "" for a JSON null.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestRequestIHasCoresURL(t *testing.T) {
	v := load(t)
	target, err := parseTarget(string(v.Target))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range v.URLs {
		plan, err := parsePlan(string(c.Plan))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		scheme := "http://"
		if plan.TLS {
			scheme = "https://"
		}
		for _, r := range c.Requests {
			if got := scheme + target.Addr + plan.path(r.I); got != r.URL {
				t.Errorf("%s, request %d: %s, core says %s", c.Name, r.I, got, r.URL)
			}
		}
	}
}

func TestCoreRejectsThesePlansAndSoDoesThePort(t *testing.T) {
	for _, c := range load(t).InvalidPlans {
		if _, err := parsePlan(string(c.Plan)); err == nil {
			t.Errorf("accepted a plan core rejects (%s): %s", c.Why, c.Plan)
		}
	}
}

func TestTheByteRule(t *testing.T) {
	for _, b := range load(t).Bodies {
		body := expectedBody(b.ID, b.Bytes)
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != b.SHA256 {
			t.Errorf("body %d, %d bytes: SHA-256 differs from core's", b.ID, b.Bytes)
		}
		if b.Text != nil && string(body) != *b.Text {
			t.Errorf("body %d, %d bytes: %q, core says %q", b.ID, b.Bytes, body, *b.Text)
		}
		if !verify(b.ID, b.Bytes, body) {
			t.Errorf("body %d, %d bytes does not verify", b.ID, b.Bytes)
		}
	}
}

func TestByteBodyVerification(t *testing.T) {
	for _, c := range load(t).BodyChecks {
		body := expectedBody(c.BodyID, c.BodyBytes)
		if c.FirstByte != "" && len(body) > 0 {
			body[0] = c.FirstByte[0]
		}
		if got := verify(c.ID, c.Bytes, body); got != c.OK {
			t.Errorf("%+v: verify says %v", c, got)
		}
	}
}

// documentKind is what get() makes of a 200 JSON body that arrived whole:
// "" (the document), "decode" or "body-mismatch".
func documentKind(data []byte, id, n uint64) string {
	var doc Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return "decode"
	}
	if !doc.verify(id, n) {
		return "body-mismatch"
	}
	return ""
}

func TestTheDocumentRule(t *testing.T) {
	for _, d := range load(t).Documents {
		if k := documentKind(d.Document, d.ID, d.Bytes); k != "" {
			t.Errorf("document %d, %d bytes: %s", d.ID, d.Bytes, k)
		}
	}
}

func TestVerdictsOnDecodedValues(t *testing.T) {
	for _, c := range load(t).DocumentChecks {
		if got := documentKind(c.Value, c.ID, c.Bytes); got != str(c.Kind) {
			t.Errorf("%.60s: %q, core says %q", c.Value, got, str(c.Kind))
		}
	}
}

func TestEachRequestsFaultTheCountsAndTheErrors(t *testing.T) {
	for _, c := range load(t).Faults {
		p, err := parsePlan(`{"requests":1,"delay":0,"bytes":0,"keep_alive":true,"timeout":1,"heartbeat":1,"faults":` + string(c.Faults) + `}`)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]uint64{}
		errs := map[string]map[string]uint64{"bytes": {}, "json": {}}
		for i := uint64(0); i < c.Requests; i++ {
			d := p.Faults.decide(i)
			if d != str(c.Decisions[i]) {
				t.Fatalf("%s, request %d: %q, core says %q", c.Faults, i, d, str(c.Decisions[i]))
			}
			if d != "" {
				counts[d]++
			}
			for format, by := range errs {
				if k := expectedKind(d, format); k != "" {
					by[k]++
				}
			}
		}
		for f, n := range c.Counts {
			if counts[f] != n {
				t.Errorf("%s: %d %s, core says %d", c.Faults, counts[f], f, n)
			}
		}
		if !reflect.DeepEqual(errs, c.ExpectedErrors) {
			t.Errorf("%s: errors %v, core says %v", c.Faults, errs, c.ExpectedErrors)
		}
	}
}

func TestTheKindEachFaultComesOutAs(t *testing.T) {
	for _, f := range load(t).FaultKinds {
		if got := expectedKind(f.Fault, "bytes"); got != str(f.Bytes) {
			t.Errorf("%s (bytes): %q, core says %q", f.Fault, got, str(f.Bytes))
		}
		if got := expectedKind(f.Fault, "json"); got != str(f.JSON) {
			t.Errorf("%s (json): %q, core says %q", f.Fault, got, str(f.JSON))
		}
	}
}

func TestTheErrorKindsInCoresOrderAndWhereTheyHappened(t *testing.T) {
	v := load(t)
	var kinds []string
	for _, k := range v.ErrorKinds {
		kinds = append(kinds, k.Kind)
		if inHead(k.Kind) != k.InHead || inBody(k.Kind) != k.InBody {
			t.Errorf("%s: in head %s, in body %s; core says %s, %s", k.Kind, inHead(k.Kind), inBody(k.Kind), k.InHead, k.InBody)
		}
	}
	if !reflect.DeepEqual(kinds, errorKinds) {
		t.Errorf("error kinds %v, core says %v", errorKinds, kinds)
	}
}

// foreignTarget is the vectors' foreign target `name`.
func foreignTarget(t *testing.T, v vectors, name string) Target {
	t.Helper()
	for _, c := range v.Foreign.Targets {
		if c.Name == name {
			target, err := parseTarget(string(c.Target))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return target
		}
	}
	t.Fatalf("no foreign target %s", name)
	return Target{}
}

// planFor is a plan of n requests in format on target (HTTPS for an https template).
func planFor(target Target, format string, n uint64) Plan {
	tls := target.Foreign != nil && strings.HasPrefix(target.Foreign.URL, "https:")
	return Plan{Requests: n, Format: format, TLS: tls, Protocol: "auto", KeepAlive: true, Timeout: 30000, Heartbeat: 10}
}

func TestAForeignServersRequestIIsTheTemplateWithI(t *testing.T) {
	v := load(t)
	for _, c := range v.Foreign.Targets {
		target := foreignTarget(t, v, c.Name)
		n := uint64(0)
		for _, r := range c.Requests {
			if r.I+1 > n {
				n = r.I + 1
			}
		}
		plan := planFor(target, "bytes", n)
		urls := plan.urls(target)
		for _, r := range c.Requests {
			if urls[r.I] != r.URL {
				t.Errorf("%s, request %d: %s, core says %s", c.Name, r.I, urls[r.I], r.URL)
			}
		}
	}
}

func TestHowEachAnswerIsRead(t *testing.T) {
	v := load(t)
	for _, c := range v.Foreign.Reads {
		var target Target
		if c.Target == "own" {
			target, _ = parseTarget(string(v.Target))
		} else {
			target = foreignTarget(t, v, "https-path")
		}
		plan := planFor(target, c.Format, 1)
		e := newExpect(&plan, target)
		for k, s := range c.Statuses {
			if got := e.read(s); got != c.Read[k] {
				t.Errorf("%s, %s, status %d: read as %s, core says %s", c.Target, c.Format, s, got, c.Read[k])
			}
		}
	}
}

func TestCoresVerdictsOnForeignAnswers(t *testing.T) {
	v := load(t)
	for _, c := range v.Foreign.Checks {
		target := foreignTarget(t, v, c.Target)
		plan := planFor(target, c.Format, c.ID+1)
		e := newExpect(&plan, target)
		what := fmt.Sprintf("%s, %s, request %d, status %d", c.Target, c.Format, c.ID, c.Status)
		if got := e.read(c.Status); got != c.Read {
			t.Errorf("%s: read as %s, core says %s", what, got, c.Read)
			continue
		}
		var s Sample
		if c.Read == "value" {
			raw := []byte(c.Body.Value)
			if c.Body.Text != nil {
				raw = []byte(*c.Body.Text)
			}
			var value interface{}
			if err := json.Unmarshal(raw, &value); err != nil {
				s = Sample{Error: "decode"} // encoding/json cannot decode it
			} else {
				s = e.value(0, c.ID, value)
			}
		} else {
			s = e.response(c.ID, 0, c.Status, []byte(str(c.Body.Text)))
		}
		if s.Error != str(c.Kind) || s.Verified != c.Verified {
			t.Errorf("%s: (%q, %v), core says (%q, %v)", what, s.Error, s.Verified, str(c.Kind), c.Verified)
		}
	}
}
