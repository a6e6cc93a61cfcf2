package network

import "testing"

// PortListProblem takes what incusd takes and keeps as written (checked
// against incusd 6.0.4: a space is dropped, 70000 passes its check but
// fails in nftables).
func TestPortListProblem(t *testing.T) {
	for _, tc := range []struct {
		in    string
		count int
		ok    bool
	}{
		{"80", 1, true}, {"0", 1, true}, {"65535", 1, true}, {"8000-8010", 11, true}, {"80,443", 2, true},
		{"80,443,1000-1002", 5, true},
		{"", 0, false}, {"80, 443", 0, false}, {" 80", 0, false}, {"70000", 0, false}, {"abc", 0, false},
		{"90-80", 0, false}, {"80-80", 0, false}, {"80-", 0, false}, {"80,", 0, false}, {"1-2-3", 0, false}, {"-5", 0, false},
	} {
		n, problem := PortListProblem(tc.in)
		if (problem == "") != tc.ok || tc.ok && n != tc.count {
			t.Errorf("PortListProblem(%q) = %d, %q; want ok %v, %d ports", tc.in, n, problem, tc.ok, tc.count)
		}
	}
}

func TestAddressProblem(t *testing.T) {
	for _, tc := range []struct {
		in     string
		listen bool
		ok     bool
	}{
		{"198.18.0.5", true, true}, {"2001:db8::5", true, true}, {"::1", false, true},
		{"198.18.0.05", true, false}, {"2001:DB8::5", true, false}, {"0.0.0.0", true, false}, {"0.0.0.0", false, true},
		{"fe80::1%eth0", true, false}, {"::ffff:198.18.0.5", true, false}, {"bad", false, false}, {"", true, false},
	} {
		if got := AddressProblem(tc.in, tc.listen); (got == "") != tc.ok {
			t.Errorf("AddressProblem(%q, %v) = %q, want ok %v", tc.in, tc.listen, got, tc.ok)
		}
	}
}
