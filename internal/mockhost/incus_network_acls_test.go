package mockhost

import (
	"fmt"
	"strings"
	"testing"
)

// The fake answers ACL requests with incusd 6.0.4's status and text
// (docs-internal/incus-error-texts.md); the same steps run against a real
// incusd when RACK_ACC_INCUS_SOCKET names its socket.
func TestIncusNetworkACLTexts(t *testing.T) {
	hosts := mockAndRealSockets(t)
	for hostName, socket := range hosts {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			a, b := "rack-acl-"+randomHex(), "rack-acl-"+randomHex()
			t.Cleanup(func() {
				h.do("DELETE", "/1.0/network-acls/"+a, "")
				h.do("DELETE", "/1.0/network-acls/"+b, "")
			})
			rule := func(dir, fields string) string {
				return fmt.Sprintf(`{"%s":[{"action":"allow","state":"enabled"},{%s}]}`, dir, fields)
			}
			steps := []struct {
				method, path, body string
				status             int
				text               string
			}{
				{"POST", "/1.0/network-acls", `{"name":"` + a + `"}`, 201, ""},
				{"POST", "/1.0/network-acls", `{"name":"` + b + `"}`, 201, ""},
				{"POST", "/1.0/network-acls", `{"name":"` + a + `"}`, 400, "The network ACL already exists"},
				{"POST", "/1.0/network-acls", `{"name":"a b"}`, 500, "Name can only contain alphanumeric and hyphen characters"},
				{"POST", "/1.0/network-acls", `{"name":"-x"}`, 500, `Name must not start with "-" character`},
				{"POST", "/1.0/network-acls", `{"name":"x-"}`, 500, `Name must not end with "-" character`},
				{"POST", "/1.0/network-acls", `{"name":"123"}`, 500, "Name cannot be a number"},
				{"POST", "/1.0/network-acls", `{"name":"` + strings.Repeat("a", 64) + `"}`, 500, "Name must be 1-63 characters long"},
				{"POST", "/1.0/network-acls", `{"name":"@x"}`, 500, "Name cannot start with reserved character '@'"},
				{"GET", "/1.0/network-acls/rack-nosuchacl", "", 404, "Network ACL not found"},
				{"GET", "/1.0/network-acls/" + a + "?project=rack-nosuchproj", "", 404, `Failed to load project "rack-nosuchproj": Project not found`},
				{"POST", "/1.0/network-acls/" + a, `{"name":"` + b + `"}`, 500, "An ACL by that name exists already"},
				{"PUT", "/1.0/network-acls/" + a, `{"config":{"k":"v"}}`, 500, `Invalid config option "k"`},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"accept","state":"enabled"`), 500, "Invalid ingress rule 1: Action must be one of: allow, allow-stateless, drop, reject"},
				{"PUT", "/1.0/network-acls/" + a, rule("egress", `"action":"drop"`), 500, "Invalid egress rule 1: State must be one of: enabled, disabled, logged"},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"drop","state":"enabled","protocol":"sctp"`), 500, "Invalid ingress rule 1: Protocol must be one of: icmp4, icmp6, tcp, udp"},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"drop","state":"enabled","source_port":"80"`), 500, "Invalid ingress rule 1: Source port cannot be used without specifying protocol"},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"drop","state":"enabled","protocol":"icmp4","destination_port":"80"`), 500, `Invalid ingress rule 1: Destination port cannot be used with "icmp4" protocol`},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"drop","state":"enabled","icmp_type":"8"`), 500, "Invalid ingress rule 1: ICMP type cannot be used without specifying protocol"},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"drop","state":"enabled","protocol":"tcp","icmp_type":"8"`), 500, "Invalid ingress rule 1: ICMP type cannot be used with non-ICMP protocol"},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"drop","state":"enabled","protocol":"icmp4","icmp_type":"x"`), 500, `Invalid ingress rule 1: Invalid ICMP type: Invalid value for an integer "x". Must be between 0 and 255`},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"drop","state":"enabled","protocol":"tcp","source_port":"abc"`), 500, `Invalid ingress rule 1: Invalid Source port: Invalid port number "abc"`},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"drop","state":"enabled","source":"nope"`), 500, `Invalid ingress rule 1: Invalid Source: Invalid subject "nope"`},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"drop","state":"enabled","destination":"@internal"`), 500, `Invalid ingress rule 1: Invalid Destination: Named subjects not allowed in "Destination" for "ingress" rules`},
				{"PUT", "/1.0/network-acls/" + a, rule("egress", `"action":"drop","state":"enabled","source":"`+b+`"`), 500, `Invalid egress rule 1: Invalid Source: Named subjects not allowed in "Source" for "egress" rules`},
				{"PUT", "/1.0/network-acls/" + a, rule("ingress", `"action":"drop","state":"logged","source":"`+b+`,@external,198.18.0.1-198.18.0.9,fd00::/8","protocol":"udp","destination_port":"53,1000-2000"`), 200, ""},
				{"PUT", "/1.0/network-acls/" + a, rule("egress", `"action":"reject","state":"disabled","destination":"@internal","protocol":"icmp6","icmp_type":"128","icmp_code":"0"`), 200, ""},
				{"DELETE", "/1.0/network-acls/rack-nosuchacl", "", 404, "Network ACL not found"},
			}
			for _, s := range steps {
				status, env := h.do(s.method, s.path, s.body)
				if status != s.status || env.Error != s.text {
					t.Errorf("%s %s %s: HTTP %d %q, want %d %q", s.method, s.path, s.body, status, env.Error, s.status, s.text)
				}
			}
			// A rule's fields come back as sent; state is never filled in.
			_, env := h.do("GET", "/1.0/network-acls/"+a, "")
			if got := string(env.Metadata); !strings.Contains(got, `"egress":[{"action":"allow","state":"enabled"},{"action":"reject","destination":"@internal","protocol":"icmp6","icmp_type":"128","icmp_code":"0","state":"disabled"}]`) ||
				!strings.Contains(got, `"ingress":[]`) {
				t.Errorf("ACL %s reads back as %s", a, got)
			}
		})
	}
}

// A project holding an ACL is not empty: incusd lists the ACL in its
// used_by and refuses to delete it.
func TestIncusNetworkACLKeepsProject(t *testing.T) {
	hosts := mockAndRealSockets(t)
	for hostName, socket := range hosts {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			p := "rack-aclp-" + randomHex()
			t.Cleanup(func() {
				h.do("DELETE", "/1.0/network-acls/x1?project="+p, "")
				h.do("DELETE", "/1.0/projects/"+p, "")
			})
			for _, req := range [][2]string{
				{"/1.0/projects", `{"name":"` + p + `","config":{"features.networks":"true"}}`},
				{"/1.0/network-acls?project=" + p, `{"name":"x1"}`},
			} {
				if status, env := h.do("POST", req[0], req[1]); status != 201 {
					t.Fatalf("POST %s: HTTP %d %q", req[0], status, env.Error)
				}
			}
			_, env := h.do("GET", "/1.0/projects/"+p, "")
			if !strings.Contains(string(env.Metadata), `"/1.0/network-acls/x1?project=`+p+`"`) {
				t.Errorf("project %s: %s", p, env.Metadata)
			}
			if status, env := h.do("DELETE", "/1.0/projects/"+p, ""); status != 500 || env.Error != "Only empty projects can be removed." {
				t.Errorf("delete of project %s holding an ACL: HTTP %d %q", p, status, env.Error)
			}
		})
	}
}
