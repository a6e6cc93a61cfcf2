package contract_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// listenOf is the listen address of a forward case named name: host .200
// of its own bridge's subnet (incusd takes that on a bridge).
func listenOf(name string) string {
	return strings.TrimSuffix(networkSubnet(name), ".1/24") + ".200"
}

// makeBridge makes out of band the bridge a forward case lives on, named
// as the case, kept for the whole run.
func makeBridge(t *testing.T, env *Env, name string) {
	t.Helper()
	req := api.NetworksPost{Name: name, Type: "bridge", NetworkPut: api.NetworkPut{Config: networkConfig(name)}}
	if err := env.Incus.Client.CreateNetwork(req); err != nil {
		t.Fatalf("creating bridge %s out of band: %v", name, err)
	}
	t.Cleanup(func() { _ = env.Incus.Client.DeleteNetwork(name) })
}

// makeOVN makes out of band an uplink bridge routing 198.18.200.0/24 and an
// OVN network on it (the mock only: the real test daemon has no OVN).
func makeOVN(t *testing.T, env *Env, name string) {
	t.Helper()
	uplink := "up" + name[max(0, len(name)-8):] // interface names: 15 characters at most
	up := api.NetworksPost{Name: uplink, Type: "bridge", NetworkPut: api.NetworkPut{Config: map[string]string{
		"ipv4.address": networkSubnet(name), "ipv4.nat": "false", "ipv6.address": "none", "ipv4.routes": "198.18.200.0/24"}}}
	ovn := api.NetworksPost{Name: name, Type: "ovn", NetworkPut: api.NetworkPut{Config: map[string]string{
		"network": uplink, "ipv4.address": "10.44.0.1/24", "ipv6.address": "none"}}}
	for _, req := range []api.NetworksPost{up, ovn} {
		if err := env.Incus.Client.CreateNetwork(req); err != nil {
			t.Fatalf("creating network %s out of band: %v", req.Name, err)
		}
	}
	t.Cleanup(func() {
		_ = env.Incus.Client.DeleteNetwork(name)
		_ = env.Incus.Client.DeleteNetwork(uplink)
	})
}

func init() {
	cases["rack_incus_network_forward"] = Case{
		Incus:   true,
		Address: "rack_incus_network_forward.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_forward" "test" {
  remote         = "test"
  network        = %q
  listen_address = %q
  description    = "contract"
}
`, name, listenOf(name))
		},
		ImportID: func(_ *Env, name string) string { return "test:default/" + name + "/" + listenOf(name) },
		Prepare:  makeBridge,
		TakeName: func(t *testing.T, env *Env, name string) {
			makeBridge(t, env, name)
			if err := env.Incus.Client.CreateNetworkForward(name, api.NetworkForwardsPost{ListenAddress: listenOf(name)}); err != nil {
				t.Fatalf("creating forward %s out of band: %v", listenOf(name), err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteNetworkForward(name, listenOf(name)); err != nil {
				t.Fatalf("deleting forward %s out of band: %v", listenOf(name), err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetNetworkForward(name, listenOf(name))
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/networks/"},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"network": name, "listen_address": listenOf(name), "remote": "test", "project": "default"}
		},
	}

	lbListen := func(name string) string {
		return "198.18.200." + strings.Split(listenOf(name), ".")[2] // the third octet of the case's subnet
	}
	cases["rack_incus_network_load_balancer"] = Case{
		Incus:    true,
		MockOnly: "load balancers need an OVN network, and the real test daemon has no OVN",
		Address:  "rack_incus_network_load_balancer.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_load_balancer" "test" {
  remote         = "test"
  network        = %q
  listen_address = %q
  description    = "contract"
  backends       = [{ name = "b1", target_address = "10.44.0.10", target_port = "8080" }]
  ports          = [{ protocol = "tcp", listen_port = "80", target_backend = ["b1"] }]
}
`, name, lbListen(name))
		},
		ImportID: func(_ *Env, name string) string { return "test:default/" + name + "/" + lbListen(name) },
		Prepare:  makeOVN,
		TakeName: func(t *testing.T, env *Env, name string) {
			makeOVN(t, env, name)
			if err := env.Incus.Client.CreateNetworkLoadBalancer(name, api.NetworkLoadBalancersPost{ListenAddress: lbListen(name)}); err != nil {
				t.Fatalf("creating load balancer %s out of band: %v", lbListen(name), err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteNetworkLoadBalancer(name, lbListen(name)); err != nil {
				t.Fatalf("deleting load balancer %s out of band: %v", lbListen(name), err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetNetworkLoadBalancer(name, lbListen(name))
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/networks/"},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"network": name, "listen_address": lbListen(name), "remote": "test", "project": "default"}
		},
	}
}
