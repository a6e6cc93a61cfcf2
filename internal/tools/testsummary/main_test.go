package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func run(t *testing.T, file, socket string) (stream, report string, s *summary) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out, rep bytes.Buffer
	s, err = summarise(f, &out)
	if err != nil {
		t.Fatal(err)
	}
	s.report(&rep, socket)
	return out.String(), rep.String(), s
}

// failing.json is real `go test -json` output: a package with a passing, a
// failing and a skipped ("real") test, one that does not build, one without
// tests, and one killed by -timeout.
func TestFailingRun(t *testing.T) {
	stream, report, s := run(t, "testdata/failing.json", "")
	if s.ok() {
		t.Error("a run with failures was reported ok")
	}
	if s.passed != 3 || s.failed != 3 || s.skipped != 1 {
		t.Errorf("passed/failed/skipped = %d/%d/%d, want 3/3/1", s.passed, s.failed, s.skipped)
	}
	for _, want := range []string{
		"a_test.go:11: want 1, got 2",           // the failing test's own log
		"cannot use \"s\"",                      // the compiler error
		"?   \tsample/c\t[no test files]",       // package lines pass through
		"--- DID NOT FINISH: sample/d TestHang", // the test the timeout killed
		"panic: test timed out after 1s",
	} {
		if !strings.Contains(stream, want) {
			t.Errorf("output lacks %q:\n%s", want, stream)
		}
	}
	for _, unwanted := range []string{"a_test.go:3: fine", "=== RUN", "no real Incus"} {
		if strings.Contains(stream, unwanted) {
			t.Errorf("output has %q, which only passing or skipped tests print:\n%s", unwanted, stream)
		}
	}
	// The killed test is shown before its package's FAIL line.
	if strings.Index(stream, "DID NOT FINISH") > strings.Index(stream, "FAIL\tsample/d") {
		t.Errorf("killed test shown after its package line:\n%s", stream)
	}
	for _, want := range []string{
		"3 passed, 3 failed, 1 skipped",
		"1 did not build",
		"real Incus: NOT used (RACK_ACC_INCUS_SOCKET is not set): 1 \"real\" subtests skipped",
		"1  no real Incus: set RACK_ACC_INCUS_SOCKET to its unix socket (TestHosts/real)",
		"sample/a TestFail/sub\n",
		"sample/d TestHang (did not finish)",
		"\nFAIL\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("summary lacks %q:\n%s", want, report)
		}
	}
}

// real.json: the same package run with RACK_ACC_INCUS_SOCKET set, so the
// "real" subtest ran.
func TestRealDaemonRun(t *testing.T) {
	_, report, s := run(t, "testdata/real.json", "/var/lib/incus/unix.socket")
	if !s.ok() {
		t.Errorf("a passing run was reported failed:\n%s", report)
	}
	for _, want := range []string{
		"4 passed, 0 failed, 0 skipped",
		"real Incus: used (RACK_ACC_INCUS_SOCKET=/var/lib/incus/unix.socket): 1 \"real\" subtests passed",
		"\nPASS\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("summary lacks %q:\n%s", want, report)
		}
	}
	// Set but never reached: say so rather than claim it was used.
	_, report, _ = run(t, "testdata/failing.json", "/var/lib/incus/unix.socket")
	if !strings.Contains(report, "is set but no \"real\" subtest ran") {
		t.Errorf("summary claims a real daemon it never reached:\n%s", report)
	}
}

func TestNonEventLinesShown(t *testing.T) {
	var out bytes.Buffer
	s, err := summarise(strings.NewReader("go: downloading example.com/x v1.0.0\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "go: downloading") || s.corrupt != 1 {
		t.Errorf("a line that is not an event was lost: %q", out.String())
	}
}
