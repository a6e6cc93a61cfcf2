package mockhost

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/testnet"
)

// testSubnet is a /24 (as "198.19.N") no other test holds, for a test
// bridge (no traffic is sent to it; NAT stays off).
func testSubnet() string { return testnet.Subnet24(randomHex() + randomHex()) }

type wireStep struct {
	method, path, body string
	status             int
	text               string
}

func runWireSteps(t *testing.T, h *rawIncus, steps []wireStep) {
	t.Helper()
	for _, s := range steps {
		status, env := h.do(s.method, s.path, s.body)
		if status != s.status || env.Error != s.text {
			t.Errorf("%s %s %s: HTTP %d %q, want %d %q", s.method, s.path, s.body, status, env.Error, s.status, s.text)
		}
	}
}

// The fake answers forward requests on a bridge with incusd 6.0.4's status
// and text (checked against the real daemon); the same steps run against a
// real incusd when RACK_ACC_INCUS_SOCKET names its socket.
func TestIncusNetworkForwardTexts(t *testing.T) {
	for hostName, socket := range mockAndRealSockets(t) {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			br, other := "rfw"+randomHex()[:8], "rfo"+randomHex()[:8]
			sub, sub2 := testSubnet(), testSubnet()
			for sub2 == sub {
				sub2 = testSubnet()
			}
			fwds := "/1.0/networks/" + br + "/forwards"
			t.Cleanup(func() {
				h.do("DELETE", fwds+"/"+sub+".5", "")
				h.do("DELETE", "/1.0/networks/"+br, "")
				h.do("DELETE", "/1.0/networks/"+other, "")
			})
			for _, n := range [][2]string{{br, sub}, {other, sub2}} {
				body := fmt.Sprintf(`{"name":%q,"type":"bridge","config":{"ipv4.address":"%s.1/24","ipv4.nat":"false","ipv6.address":"none"}}`, n[0], n[1])
				if status, env := h.do("POST", "/1.0/networks", body); status != 201 {
					t.Fatalf("creating bridge %s: HTTP %d %q", n[0], status, env.Error)
				}
			}
			port := func(fields string) string {
				return fmt.Sprintf(`{"listen_address":"%s.6","ports":[{"protocol":"tcp","listen_port":"22","target_address":"%s.10"},{%s}]}`, sub, sub, fields)
			}
			target := fmt.Sprintf(`"target_address":"%s.11"`, sub)
			runWireSteps(t, h, []wireStep{
				{"GET", "/1.0/networks/rack-nosuchnet/forwards/" + sub + ".5", "", 404, "Failed loading network: Network not found"},
				{"POST", "/1.0/networks/rack-nosuchnet/forwards", `{"listen_address":"` + sub + `.5"}`, 404, "Failed loading network: Network not found"},
				{"GET", fwds + "/" + sub + ".5?project=rack-nosuchproj", "", 404, `Failed to load project "rack-nosuchproj": Project not found`},
				{"GET", fwds + "/" + sub + ".5", "", 404, "Network forward not found"},
				{"POST", fwds, fmt.Sprintf(`{"listen_address":"%s.5","description":"web","config":{"target_address":"%s.9"},"ports":[{"protocol":"tcp","listen_port":"80,443","target_address":"%s.10","target_port":"8080,8443"}]}`, sub, sub, sub), 201, ""},
				{"POST", fwds, `{"listen_address":"` + sub + `.5"}`, 409, "Failed creating forward: A forward for that listen address already exists"},
				{"POST", "/1.0/networks/" + other + "/forwards", `{"listen_address":"` + sub + `.5"}`, 500, fmt.Sprintf("Failed creating forward: Forward listen address %q overlaps with another network or NIC", sub+".5/32")},
				{"POST", fwds, `{"listen_address":"bad"}`, 500, `Failed creating forward: Failed parsing address forward listen address "bad": invalid CIDR address: bad/32`},
				{"POST", fwds, `{"listen_address":"2001:db8::5"}`, 500, "Failed creating forward: invalid CIDR address: none"},
				{"POST", fwds, `{"listen_address":"0.0.0.0"}`, 500, `Failed creating forward: Cannot use unspecified address: "0.0.0.0"`},
				{"POST", fwds, `{"listen_address":"` + sub + `.6","config":{"foo":"1"}}`, 500, `Failed creating forward: Invalid option "foo"`},
				{"POST", fwds, `{"listen_address":"` + sub + `.6","config":{"target_address":"10.0.0.1"}}`, 500, "Failed creating forward: Default target address is not within the network subnet"},
				{"POST", fwds, `{"listen_address":"` + sub + `.6","config":{"target_address":"bad"}}`, 500, "Failed creating forward: Invalid default target address"},
				{"POST", fwds, port(`"protocol":"sctp","listen_port":"80",` + target), 500, "Failed creating forward: Invalid port protocol in port specification 1, protocol must be one of: tcp, udp"},
				{"POST", fwds, port(`"protocol":"tcp","listen_port":"80","target_address":"10.0.0.1"`), 500, "Failed creating forward: Target address is not within the network subnet in port specification 1"},
				{"POST", fwds, port(`"protocol":"tcp","listen_port":"80","target_address":"2001:db8::1"`), 500, "Failed creating forward: Cannot mix IP versions in listen address and port specification 1 target address"},
				{"POST", fwds, port(`"protocol":"tcp","listen_port":"80"`), 500, "Failed creating forward: Invalid target address in port specification 1"},
				{"POST", fwds, port(`"protocol":"tcp","listen_port":"abc",` + target), 500, `Failed creating forward: Invalid listen port in port specification 1: strconv.ParseInt: parsing "abc": invalid syntax`},
				{"POST", fwds, port(`"protocol":"tcp","listen_port":"",` + target), 500, "Failed creating forward: Missing listen port in port specification 1"},
				{"POST", fwds, port(`"protocol":"tcp","listen_port":"90-80",` + target), 500, "Failed creating forward: Invalid listen port in port specification 1: End port should be higher than start port"},
				{"POST", fwds, port(`"protocol":"tcp","listen_port":"20-25",` + target), 500, `Failed creating forward: Duplicate listen port 22 for protocol "tcp" in port specification 1`},
				{"POST", fwds, port(`"protocol":"tcp","listen_port":"80-90",` + target + `,"target_port":"100-105"`), 500, "Failed creating forward: Mismatch of listen port(s) and target port(s) count in port specification 1"},
				{"POST", fwds, port(`"protocol":"tcp","listen_port":"80",` + target + `,"target_port":"x"`), 500, "Failed creating forward: Invalid target port in port specification 1"},
				{"PUT", fwds + "/" + sub + ".5", `{"config":{"target_address":"10.0.0.1"}}`, 500, "Failed updating forward: Default target address is not within the network subnet"},
				{"PUT", fwds + "/" + sub + ".99", `{}`, 404, "Failed updating forward: Network forward not found"},
				// incusd does not check If-Match on a forward: the PUT goes through.
				{"PUT", fwds + "/" + sub + ".5", `{"description":"new","config":{},"ports":[{"protocol":"udp","listen_port":" 53","target_address":"` + sub + `.12"}]}`, 200, ""},
				{"DELETE", fwds + "/" + sub + ".99", "", 404, "Failed deleting forward: Network forward not found"},
				{"GET", "/1.0/networks/" + br + "/load-balancers/" + sub + ".5", "", 400, `Network driver "bridge" does not support load balancers`},
				{"POST", "/1.0/networks/" + br + "/load-balancers", `{"listen_address":"` + sub + `.7"}`, 400, `Network driver "bridge" does not support load balancers`},
			})
			_, env := h.do("GET", fwds+"/"+sub+".5", "")
			if got := string(env.Metadata); !strings.Contains(got, `"description":"new"`) || !strings.Contains(got, `"listen_port":"53"`) {
				t.Errorf("forward after the update: %s", got)
			}
			// A stale If-Match does not stop the write either.
			if status, env := h.doWith("PUT", fwds+"/"+sub+".5", `{"description":"stale","config":{}}`, "0123456789abcdef"); status != 200 {
				t.Errorf("PUT with a stale If-Match: HTTP %d %q, want 200 (incusd ignores it)", status, env.Error)
			}
		})
	}
}

// Load balancers on the fake's OVN networks, with incusd 6.0.4's texts
// (docs-internal/incus-error-texts.md): the real test daemon has no OVN.
func TestIncusNetworkLoadBalancerTexts(t *testing.T) {
	h := &rawIncus{t: t, socket: mockAndRealSockets(t)["mock"]}
	runWireSteps(t, h, []wireStep{
		{"POST", "/1.0/networks", `{"name":"up0","type":"bridge","config":{"ipv4.address":"198.19.10.1/24","ipv4.nat":"false","ipv6.address":"none","ipv4.routes":"198.19.11.0/24"}}`, 201, ""},
		{"POST", "/1.0/networks", `{"name":"ov0","type":"ovn","config":{"ipv4.address":"10.40.0.1/24","ipv6.address":"none"}}`, 500, `Option "network" is required`},
		{"POST", "/1.0/networks", `{"name":"ov0","type":"ovn","config":{"network":"nope","ipv4.address":"10.40.0.1/24","ipv6.address":"none"}}`, 500, `Option "network" value "nope" is not one of the allowed uplink networks in project`},
		{"POST", "/1.0/networks", `{"name":"ov0","type":"ovn","config":{"network":"up0","ipv4.address":"10.40.0.1/24","ipv6.address":"none"}}`, 201, ""},
		{"POST", "/1.0/networks", `{"name":"iso0","type":"ovn","config":{"network":"none","ipv4.address":"10.41.0.1/24","ipv6.address":"none"}}`, 201, ""},
		{"POST", "/1.0/networks/iso0/load-balancers", `{"listen_address":"198.19.11.5"}`, 500, "Failed creating load balancer: Isolated OVN network cannot use network load balancers"},
		{"POST", "/1.0/networks/ov0/load-balancers", `{"listen_address":"198.19.12.5"}`, 400, `Failed creating load balancer: Uplink network doesn't contain "198.19.12.5/32" in its routes`},
		{"POST", "/1.0/networks/ov0/load-balancers", `{"listen_address":"198.19.10.1"}`, 400, `Failed creating load balancer: Requested subnet "198.19.10.1/32" would mask the uplink gateway`},
		{"POST", "/1.0/networks/ov0/load-balancers", `{"listen_address":"198.19.11.5","backends":[{"name":"a","target_address":"10.40.0.10"}],"ports":[{"protocol":"tcp","listen_port":"80","target_backend":["b"]}]}`, 500, `Failed creating load balancer: Invalid target backend name "b" in port specification 0`},
		{"POST", "/1.0/networks/ov0/load-balancers", `{"listen_address":"198.19.11.5","backends":[{"name":"a","target_address":"10.9.0.10"}]}`, 500, `Failed creating load balancer: Target address is not within the network subnet for backend "a"`},
		{"POST", "/1.0/networks/ov0/load-balancers", `{"listen_address":"198.19.11.5","backends":[{"name":"a b","target_address":"10.40.0.10"}]}`, 500, "Failed creating load balancer: Name cannot contain white space in backend specification 0"},
		{"POST", "/1.0/networks/ov0/load-balancers", `{"listen_address":"198.19.11.5","backends":[{"name":"a","target_address":"10.40.0.10","target_port":"80-81"}],"ports":[{"protocol":"tcp","listen_port":"80-82","target_backend":["a"]}]}`, 500, `Failed creating load balancer: Mismatch of listen port(s) and target port(s) count for backend "a" in port specification 0`},
		{"POST", "/1.0/networks/ov0/load-balancers", `{"listen_address":"198.19.11.5","config":{"healthcheck":"maybe"}}`, 500, `Failed creating load balancer: Invalid value for a boolean "maybe"`},
		{"POST", "/1.0/networks/ov0/load-balancers", `{"listen_address":"198.19.11.5","backends":[{"name":"a","target_address":"10.40.0.10","target_port":"8080"}],"ports":[{"protocol":"tcp","listen_port":"80","target_backend":["a"]}]}`, 201, ""},
		{"POST", "/1.0/networks/ov0/load-balancers", `{"listen_address":"198.19.11.5"}`, 409, "Failed creating load balancer: A load balancer for that listen address already exists"},
		{"GET", "/1.0/networks/ov0/load-balancers/198.19.11.6", "", 404, "Network load balancer not found"},
		{"PUT", "/1.0/networks/ov0/load-balancers/198.19.11.5", `{"ports":[{"protocol":"tcp","listen_port":"80","target_backend":["zz"]}]}`, 500, `Failed updating load balancer: Invalid target backend name "zz" in port specification 0`},
		{"PUT", "/1.0/networks/ov0/load-balancers/198.19.11.5", `{"description":"d"}`, 200, ""},
		{"DELETE", "/1.0/networks/ov0/load-balancers/198.19.11.6", "", 404, "Failed deleting load balancer: Network load balancer not found"},
		{"DELETE", "/1.0/networks/ov0/load-balancers/198.19.11.5", "", 200, ""},
		{"POST", "/1.0/networks/ov0/forwards", `{"listen_address":"198.19.11.7","config":{"target_address":"10.40.0.3"}}`, 201, ""},
	})
}
