package mockhost

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
)

// The fake answers address-set requests (and ACL rules naming `$name`
// subjects) with Incus 6.12's statuses and texts
// (docs-internal/incus-error-texts.md). The real test daemon (6.0.4) lacks the extension:
// its part checks only the router's answer the provider relies on.
func TestIncusNetworkAddressSetTexts(t *testing.T) {
	for hostName, socket := range mockAndRealSockets(t) {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			if hostName == "real" {
				// incusd 6.0.4 has no such API path: its router's 404 "not
				// found" is what the provider turns into the missing-extension
				// error (internal/incus/extensions.go, requireOn404).
				for _, method := range []string{"GET", "POST", "DELETE"} {
					status, env := h.do(method, "/1.0/network-address-sets/rack-nosuchset", "")
					if status != 404 || env.Error != "not found" {
						t.Errorf("%s on incusd 6.0.4: HTTP %d %q, want 404 \"not found\"", method, status, env.Error)
					}
				}
				return
			}
			a, b := "rack-as-"+randomHex(), "rack-as-"+randomHex()
			acl := "rack-acl-" + randomHex()
			steps := []struct {
				method, path, body string
				status             int
				text               string
			}{
				{"POST", "/1.0/network-address-sets", `{"name":"` + a + `","addresses":["198.18.0.1","198.18.1.0/24","2001:db8::1"]}`, 201, ""},
				{"POST", "/1.0/network-address-sets", `{"name":"` + b + `"}`, 201, ""},
				{"POST", "/1.0/network-address-sets", `{"name":"` + a + `"}`, 400, "The network address set already exists"},
				{"POST", "/1.0/network-address-sets", `{"name":""}`, 500, "Name is required"},
				{"POST", "/1.0/network-address-sets", `{"name":"$x"}`, 500, `Name cannot start with reserved character '$'`},
				{"POST", "/1.0/network-address-sets", `{"name":"a_b"}`, 500, "Name can only contain alphanumeric and hyphen characters"},
				{"POST", "/1.0/network-address-sets", `{"name":"-ab"}`, 500, `Name must not start with "-" character`},
				{"POST", "/1.0/network-address-sets", `{"name":"123"}`, 500, "Name cannot be a number"},
				{"POST", "/1.0/network-address-sets", `{"name":"rack-x","addresses":["nope"]}`, 500, `Invalid addresses: Unsupported address format "nope" at index 0`},
				{"POST", "/1.0/network-address-sets", `{"name":"rack-x","addresses":["198.18.0.1","198.18.0.1"]}`, 500, `Invalid addresses: Duplicate address "198.18.0.1" found at index 1`},
				{"POST", "/1.0/network-address-sets", `{"name":"rack-x","addresses":["00:16:3e:00:00:01"]}`, 500, `Invalid addresses: Unsupported MAC address format "00:16:3e:00:00:01" at index 0`},
				{"POST", "/1.0/network-address-sets", `{"name":"rack-x","addresses":["198.18.0.1-198.18.0.9"]}`, 500, `Invalid addresses: Unsupported address format "198.18.0.1-198.18.0.9" at index 0`},
				{"POST", "/1.0/network-address-sets", `{"name":"rack-x","config":{"k":"v"}}`, 500, `Invalid network integration configuration key "k"`},
				{"GET", "/1.0/network-address-sets/rack-nosuchset", "", 404, "Network_address_set not found"},
				{"GET", "/1.0/network-address-sets/" + a + "?project=rack-nosuchproj", "", 404, `Failed to load project "rack-nosuchproj": Project not found`},
				{"PUT", "/1.0/network-address-sets/" + a, `{"addresses":["198.18.0.256"]}`, 500, `Invalid addresses: Unsupported address format "198.18.0.256" at index 0`},
				{"PUT", "/1.0/network-address-sets/" + a, `{"description":"d","addresses":["198.18.0.2"],"config":{"user.a":"1"}}`, 200, ""},
				{"POST", "/1.0/network-address-sets/" + a, `{"name":"` + b + `"}`, 500, "Address set by that name: " + b + " exists already"},
				{"POST", "/1.0/network-address-sets/" + a, `{"name":"a b"}`, 500, "Name can only contain alphanumeric and hyphen characters"},
				// ACL rules name sets as $name, in any field; a missing one is the set's 404, wrapped.
				{"POST", "/1.0/network-acls", `{"name":"` + acl + `","ingress":[{"action":"allow","state":"enabled","source":"$rack-nosuchset"}]}`, 404,
					`Invalid ingress rule 0: Invalid Source: Failed getting network address set "rack-nosuchset" for subject validation: Network_address_set not found`},
				{"POST", "/1.0/network-acls", `{"name":"` + acl + `","egress":[{"action":"allow","state":"enabled","source":"$` + a + `","destination":"198.18.0.1,$` + a + `"}]}`, 201, ""},
				{"POST", "/1.0/network-address-sets/" + a, `{"name":"rack-renamed"}`, 500, "Cannot rename address set that is in use"},
				{"DELETE", "/1.0/network-address-sets/" + a, "", 500, "Cannot delete address set that is in use"},
				{"DELETE", "/1.0/network-acls/" + acl, "", 200, ""},
				{"DELETE", "/1.0/network-address-sets/" + a, "", 200, ""},
				{"DELETE", "/1.0/network-address-sets/" + a, "", 404, "Network_address_set not found"},
			}
			for i, s := range steps {
				status, env := h.do(s.method, s.path, s.body)
				if status != s.status || env.Error != s.text {
					t.Errorf("step %d: %s %s %s: HTTP %d %q, want %d %q", i, s.method, s.path, s.body, status, env.Error, s.status, s.text)
				}
				if i == 20 { // the ACL naming the set is in its used_by
					_, got := h.do("GET", "/1.0/network-address-sets/"+a, "")
					var set api.NetworkAddressSet
					if err := json.Unmarshal(got.Metadata, &set); err != nil {
						t.Fatal(err)
					}
					want := []string{"/1.0/network-acls/" + acl}
					if !reflect.DeepEqual(set.UsedBy, want) || !reflect.DeepEqual(set.Addresses, []string{"198.18.0.2"}) || set.Config["user.a"] != "1" || set.Project != "default" {
						t.Errorf("address set after the ACL: %+v, want used_by %v", set, want)
					}
				}
			}
			// Addresses are kept as sent (no normalisation): 2001:DB8::1 stays as written.
			_, _ = h.do("PUT", "/1.0/network-address-sets/"+b, `{"addresses":["2001:DB8::1","198.18.0.0/15"]}`)
			_, got := h.do("GET", "/1.0/network-address-sets/"+b, "")
			var set api.NetworkAddressSet
			if err := json.Unmarshal(got.Metadata, &set); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(set.Addresses) != "[2001:DB8::1 198.18.0.0/15]" || set.UsedBy == nil {
				t.Errorf("address set %s: %+v", b, set)
			}
		})
	}
}
