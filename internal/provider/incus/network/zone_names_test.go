package network

import (
	"strings"
	"testing"
)

func TestZoneNameProblem(t *testing.T) {
	for name, want := range map[string]string{
		"lab.example.net":         "",
		"lab":                     "",
		"0.18.198.in-addr.arpa":   "",
		"_srv.lab.example.net":    "",
		"":                        "empty",
		"lab.example.net.":        `end with "."`,
		".lab":                    "empty label",
		"a..b":                    "empty label",
		"-a.example.net":          `start or end with "-"`,
		"a-.example.net":          `start or end with "-"`,
		"a/b.example.net":         "can only contain",
		"a b":                     "can only contain",
		strings.Repeat("a", 64):   "at most 63",
		strings.Repeat("a.", 127): "at most 253",
	} {
		got := ZoneNameProblem(name)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("ZoneNameProblem(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestRecordNameProblem(t *testing.T) {
	for name, want := range map[string]string{
		"www": "", "@": "", "*.dev": "", "a.b": "", "_sip._tcp": "",
		"": "empty", "a/b": "slash", "a b": "white space",
	} {
		got := RecordNameProblem(name)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("RecordNameProblem(%q) = %q, want %q", name, got, want)
		}
	}
}
