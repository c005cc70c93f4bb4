// The command line every reference program shares (baselines/README.md):
// `--plan JSON --target JSON` parsed and validated like core, one JSON
// summary line on stdout, the exit codes (0 all ok, 1 any request failed,
// 2 bad arguments or a plan this program cannot run).

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func badArguments(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "error: "+format+"\n", a...)
	os.Exit(2)
}

// parseCLI reads `[--tuned] --plan JSON --target JSON`; anything it cannot
// run exits 2 with the reason. The row id says whether --tuned was given.
func parseCLI(args []string) (plan Plan, target Target, row string, tuned bool) {
	flags := flag.NewFlagSet("go-goroutines", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	planJSON := flags.String("plan", "", "the plan as JSON (core's Plan)")
	targetJSON := flags.String("target", "", `where it runs (core's Target): {"addr":"HOST:PORT","ca":"/path/ca.pem"}`)
	flags.BoolVar(&tuned, "tuned", false, "row go-goroutines-tuned: MaxIdleConnsPerHost = the plan's bound (N when unbounded)")
	if err := flags.Parse(args); err != nil {
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
	target, err = parseTarget(*targetJSON)
	if err != nil {
		badArguments("%v", err)
	}
	if plan.Protocol == "http2" && !plan.TLS {
		badArguments("go net/http cannot be held to HTTP/2 in cleartext (h2c needs golang.org/x/net/http2): run this plan with tls true, or protocol auto or http1")
	}
	if f := target.Foreign; f != nil {
		// Core's `Target::check`: what a foreign server can serve.
		if !plan.Faults.none() {
			badArguments("a foreign server injects no faults: run a plan without them against it")
		}
		if plan.TLS != strings.HasPrefix(f.URL, "https:") {
			badArguments("the plan's tls and the URL's scheme differ: an https:// URL is HTTPS, an http:// one is not")
		}
		if f.Echo == "args" && plan.Format != "json" {
			badArguments("an echo of the query is read from a JSON body: use format json")
		}
	} else if plan.TLS && target.CA == "" {
		badArguments(`the target %s has no CA certificate for HTTPS: give its PEM file as "ca" in --target`, target.Addr)
	}
	row = "go-goroutines"
	if tuned {
		row = "go-goroutines-tuned"
	}
	return plan, target, row, tuned
}

// report prints the summary line (and, when requests failed, one `error:`
// line on stderr) and returns the exit code.
func report(row string, target Target, samples []Sample, wall time.Duration, h *Heartbeat) int {
	summary := summarize(row, samples, wall, h)
	line, _ := json.Marshal(summary)
	fmt.Println(string(line))
	failed := summary.Requests - summary.OK
	if failed == 0 {
		return 0
	}
	var kinds []string
	for _, k := range sortedKinds() {
		if n := summary.Errors[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	to := target.Addr
	if target.Foreign != nil {
		to = target.Foreign.URL
	}
	fmt.Fprintf(os.Stderr, "error: %d of %d requests to %s failed (%s)\n", failed, summary.Requests, to, strings.Join(kinds, ", "))
	return 1
}
