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
	"os"
	"reflect"
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
