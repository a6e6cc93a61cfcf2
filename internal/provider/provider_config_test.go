package provider_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// Remotes of the incus CLI need no HCL: its config.yml names the socket and
// the default remote.
func TestAccProvider_incusCLIRemotes(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	h.CreateInstance(t, "from-cli")
	dir := t.TempDir()
	cfg := fmt.Sprintf("default-remote: lab\nremotes:\n  lab:\n    addr: unix://%s\n    project: default\n", h.Socket)
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("provider \"rack\" {\n  incus_config_dir = %q\n}\n", dir) + readInstance("from-cli"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.rack_incus_instance.x", tfjsonpath.New("id"), knownvalue.StringExact("lab:default/from-cli")),
			},
		}},
	})
}

// address = "unix://" follows INCUS_SOCKET, as the incus CLI does.
func TestAccProvider_incusSocketEnv(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	h.CreateInstance(t, "via-env")
	t.Setenv("INCUS_SOCKET", h.Socket)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: acctest.OneRemoteProvider(t.TempDir(), "here", `address = "unix://"`) + readInstance("via-env"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.rack_incus_instance.x", tfjsonpath.New("status"), knownvalue.StringExact("Stopped")),
			},
		}},
	})
}

// A socket nobody listens on any more is a Connection error naming the socket.
func TestAccProvider_deadSocket(t *testing.T) {
	acctest.PreCheck(t)
	dir, err := os.MkdirTemp("", "rack-dead-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	socket := filepath.Join(dir, "incus.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	_ = l.Close()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      acctest.OneRemoteProvider(t.TempDir(), "dead", fmt.Sprintf("address = %q", "unix://"+socket)) + readInstance("any"),
			ExpectError: acctest.DiagRE(`Unable to Read Incus Instance.*Could not talk to unix://` + socket + `.*Check that incusd is running and that the socket path is right.*Cause: cannot reach.*connection refused`),
		}},
	})
}

// wait_for, addresses and interfaces, and virtual machines: the mock host
// gives instances on its bridge "mockbr0" addresses (real test hosts have no
// network to hand out, and VMs do not run there).
func TestAccIncusInstance_waitForAndInterfaces(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	name := acctest.RandomName("vm")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckInstancesGone(h, name),
		Steps: []resource.TestStep{{
			Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name  = %q
  image = %q
  type  = "virtual-machine"
  devices = [{
    name       = "eth0"
    type       = "nic"
    properties = { nictype = "bridged", parent = "mockbr0" }
  }]
  wait_for = [{ type = "agent" }, { type = "ipv4", nic = "eth0" }, { type = "ipv6" }, { type = "delay", delay = "100ms" }]
`, name, h.Image)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("type"), knownvalue.StringExact("virtual-machine")),
				statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("ipv4_address"), knownvalue.StringRegexp(acctest.DiagRE(`^10\.99\.0\.\d+$`))),
				statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("ipv6_address"), knownvalue.StringRegexp(acctest.DiagRE(`^fd42:99::`))),
				statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("mac_address"), knownvalue.StringRegexp(acctest.DiagRE(`^10:66:6a:`))),
				statecheck.ExpectKnownValue(acctest.InstanceAddr, tfjsonpath.New("interfaces").AtMapKey("eth0").AtMapKey("ipv4_addresses"), knownvalue.ListSizeExact(1)),
			},
		}},
	})
}

// readInstance is the rack_incus_instance data source "x" for a name.
func readInstance(name string) string {
	return fmt.Sprintf("data \"rack_incus_instance\" \"x\" { name = %q }\n", name)
}
