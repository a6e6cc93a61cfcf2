// Command testsummary reads `go test -json` on stdin, prints what a plain
// `go test` would (a line per package, the output of each failing test) and
// ends with a summary: tests passed, failed and skipped, skip reasons, and
// whether the acceptance tests reached a real Incus daemon. make test pipes
// into it; it exits 1 when anything failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output and build-fail events
}

type testKey struct{ pkg, test string }

type summary struct {
	passed, failed, skipped  int
	realPassed, realFailed   int
	realSkipped              int
	pkgOK, pkgFailed, pkgNoT int
	buildFailed              int
	failures                 []string
	skipReasons              map[string][]string // reason -> tests
	running                  map[testKey][]string
	corrupt                  int // lines that were not events
}

// A t.Log / t.Skip line as go test prints it: "    file_test.go:12: message".
var logLine = regexp.MustCompile(`^\s*\S+\.go:\d+: (.*)$`)

func main() {
	s, err := summarise(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	s.report(os.Stdout, os.Getenv("RACK_ACC_INCUS_SOCKET"))
	if !s.ok() {
		os.Exit(1)
	}
}

func summarise(r io.Reader, w io.Writer) (*summary, error) {
	s := &summary{skipReasons: map[string][]string{}, running: map[testKey][]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Not from test2json (a toolchain message, for example): show it as is.
			s.corrupt++
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		s.add(w, e)
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	// Tests still running when the stream ended (the binary was killed):
	// their output is all there is to go on.
	s.flushRunning(w, "")
	return s, nil
}

func (s *summary) add(w io.Writer, e event) {
	k := testKey{e.Package, e.Test}
	switch e.Action {
	case "build-output":
		fmt.Fprint(w, e.Output)
	case "build-fail":
		s.buildFailed++
	case "run":
		s.running[k] = nil
	case "output":
		if e.Test == "" {
			// Package lines (ok, FAIL, no test files); the bare PASS/FAIL
			// that precede them add nothing. A test still running when its
			// package ends was killed: show it above the package's line.
			if strings.HasPrefix(e.Output, "FAIL\t") || strings.HasPrefix(e.Output, "ok  \t") {
				s.flushRunning(w, e.Package)
			}
			if e.Output != "PASS\n" && e.Output != "FAIL\n" {
				fmt.Fprint(w, e.Output)
			}
			return
		}
		s.running[k] = append(s.running[k], e.Output)
	case "pass":
		if e.Test == "" {
			s.pkgOK++
			s.flushRunning(w, e.Package)
			return
		}
		s.passed++
		if isReal(e.Test) {
			s.realPassed++
		}
		delete(s.running, k)
	case "skip":
		if e.Test == "" {
			s.pkgNoT++
			return
		}
		s.skipped++
		if isReal(e.Test) {
			s.realSkipped++
		}
		reason := "(no reason given)"
		for _, l := range s.running[k] {
			if m := logLine.FindStringSubmatch(strings.TrimRight(l, "\n")); m != nil {
				reason = m[1]
			}
		}
		s.skipReasons[reason] = append(s.skipReasons[reason], e.Test)
		delete(s.running, k)
	case "fail":
		if e.Test == "" {
			s.pkgFailed++
			s.flushRunning(w, e.Package)
			return
		}
		s.failed++
		if isReal(e.Test) {
			s.realFailed++
		}
		s.failures = append(s.failures, e.Package+" "+e.Test)
		printOutput(w, s.running[k])
		delete(s.running, k)
	}
}

// flushRunning prints the output of tests of pkg (every package when pkg is
// empty) that never reported an end: a timeout or a crash killed them.
func (s *summary) flushRunning(w io.Writer, pkg string) {
	var keys []testKey
	for k := range s.running {
		if pkg == "" || k.pkg == pkg {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].pkg+keys[i].test < keys[j].pkg+keys[j].test })
	for _, k := range keys {
		s.failed++
		s.failures = append(s.failures, k.pkg+" "+k.test+" (did not finish)")
		fmt.Fprintf(w, "--- DID NOT FINISH: %s %s\n", k.pkg, k.test)
		printOutput(w, s.running[k])
		delete(s.running, k)
	}
}

// printOutput shows a test's output without the === RUN/PAUSE/CONT lines
// that -json mode adds.
func printOutput(w io.Writer, lines []string) {
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimLeft(l, " "), "=== ") {
			fmt.Fprint(w, l)
		}
	}
}

// ok: nothing failed. Lines that were not events are shown but do not fail
// the run on their own; make test's pipefail keeps go test's exit status.
func (s *summary) ok() bool { return s.failed == 0 && s.pkgFailed == 0 && s.buildFailed == 0 }

// isReal tells the subtests acctest.ForEachIncusHost runs against a real daemon.
func isReal(test string) bool { return strings.HasSuffix(test, "/real") }

func (s *summary) report(w io.Writer, realSocket string) {
	fmt.Fprintln(w, "\n==> test summary")
	fmt.Fprintf(w, "tests (subtests included): %d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
	fmt.Fprintf(w, "packages: %d ok, %d failed, %d without tests", s.pkgOK, s.pkgFailed, s.pkgNoT)
	if s.buildFailed > 0 {
		fmt.Fprintf(w, ", %d did not build", s.buildFailed)
	}
	fmt.Fprintln(w)

	realRan := s.realPassed + s.realFailed
	switch {
	case realSocket == "":
		fmt.Fprintf(w, "real Incus: NOT used (RACK_ACC_INCUS_SOCKET is not set): %d \"real\" subtests skipped, only the mock host was tested\n", s.realSkipped)
	case realRan == 0:
		fmt.Fprintf(w, "real Incus: RACK_ACC_INCUS_SOCKET=%s is set but no \"real\" subtest ran (%d skipped)\n", realSocket, s.realSkipped)
	default:
		fmt.Fprintf(w, "real Incus: used (RACK_ACC_INCUS_SOCKET=%s): %d \"real\" subtests passed, %d failed, %d skipped\n",
			realSocket, s.realPassed, s.realFailed, s.realSkipped)
	}

	if len(s.skipReasons) > 0 {
		reasons := make([]string, 0, len(s.skipReasons))
		for r := range s.skipReasons {
			reasons = append(reasons, r)
		}
		sort.Slice(reasons, func(i, j int) bool {
			if a, b := len(s.skipReasons[reasons[i]]), len(s.skipReasons[reasons[j]]); a != b {
				return a > b
			}
			return reasons[i] < reasons[j]
		})
		fmt.Fprintln(w, "skipped, by reason:")
		for _, r := range reasons {
			tests := s.skipReasons[r]
			fmt.Fprintf(w, "  %4d  %s (%s", len(tests), r, tests[0])
			if len(tests) > 1 {
				fmt.Fprintf(w, ", ...")
			}
			fmt.Fprintln(w, ")")
		}
	}
	if len(s.failures) > 0 {
		fmt.Fprintln(w, "failed:")
		for _, f := range s.failures {
			fmt.Fprintln(w, "  "+f)
		}
	}
	if s.corrupt > 0 {
		fmt.Fprintf(w, "%d lines of input were not go test -json events (shown above)\n", s.corrupt)
	}
	if s.ok() {
		fmt.Fprintln(w, "PASS")
	} else {
		fmt.Fprintln(w, "FAIL")
	}
}
