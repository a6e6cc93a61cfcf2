package contract_test

import (
	"fmt"
	"testing"

	"github.com/lxc/incus/v6/shared/api"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// peerNetworkOf is the OVN network a peer case's object lives on: made out
// of band (Prepare, TakeName) on the mock and kept for the whole run.
// Names are acctest.RandomName's, "<prefix>-<8 hex>": the network takes
// the hex (a network name has at most 15 characters).
func peerNetworkOf(name string) string { return "ovn" + name[len(name)-8:] }

func makePeerNetwork(t *testing.T, env *Env, name string) {
	t.Helper()
	n := peerNetworkOf(name)
	if _, _, err := env.Incus.Client.GetNetwork(n); err == nil {
		return
	}
	if err := env.Incus.Client.CreateNetwork(api.NetworksPost{Name: n, Type: "ovn", NetworkPut: api.NetworkPut{Config: map[string]string{"network": "mockbr0"}}}); err != nil {
		t.Fatalf("creating OVN network %s out of band: %v", n, err)
	}
	t.Cleanup(func() { _ = env.Incus.Client.DeleteNetwork(n) })
}

func init() {
	cases["rack_incus_network_peer"] = Case{
		Incus:    true,
		MockOnly: "network peers live on OVN networks, and the real incusd here has no OVN",
		Address:  "rack_incus_network_peer.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_network_peer" "test" {
  remote         = "test"
  network        = %q
  name           = %q
  description    = "contract"
  target_network = "elsewhere"
  config         = { "user.owner" = "contract" }
}
`, peerNetworkOf(name), name)
		},
		ImportID: func(_ *Env, name string) string { return "test:default/" + peerNetworkOf(name) + "/" + name },
		Prepare:  makePeerNetwork,
		TakeName: func(t *testing.T, env *Env, name string) {
			makePeerNetwork(t, env, name)
			if err := env.Incus.Client.CreateNetworkPeer(peerNetworkOf(name), api.NetworkPeersPost{Name: name, TargetNetwork: "other"}); err != nil {
				t.Fatalf("creating network peer %s out of band: %v", name, err)
			}
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteNetworkPeer(peerNetworkOf(name), name); err != nil {
				t.Fatalf("deleting network peer %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetNetworkPeer(peerNetworkOf(name), name)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/networks/"},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"name": name, "network": peerNetworkOf(name), "remote": "test", "project": "default"}
		},
	}
}
