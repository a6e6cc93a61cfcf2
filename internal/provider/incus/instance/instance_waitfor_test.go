package instance_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// rootDisk is a root disk device, for instances that take no profile that
// gives one.
const rootDisk = `{ name = "root", type = "disk", properties = { path = "/", pool = "default" } }`

// What the configuration alone shows cannot happen fails the plan, before
// any request.
func TestAccIncusInstance_waitForPlanTime(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	cases := map[string]struct{ body, want string }{
		"agentDefaultType": {`  wait_for = [{ type = "agent" }]`, `No VM Agent in a Container.*only virtual machines run.*type defaults to "container"`},
		"agentContainer":   {`  type = "container"` + "\n" + `  wait_for = [{ type = "ready" }, { type = "agent" }]`, `No VM Agent in a Container.*this instance is a container\. Wait for`},
		"ipv4NoProfiles":   {`  profiles = []` + "\n  devices = [" + rootDisk + "]\n" + `  wait_for = [{ type = "ipv4" }]`, `No Network Device.*"ipv4" waits for an address.*profiles = \[\] applies no profile, and devices has no nic`},
		"ipv6NoDevices":    {`  profiles = []` + "\n" + `  wait_for = [{ type = "ipv6", nic = "eth0" }]`, `No Network Device.*"ipv6"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      acctest.InstanceConfig(h, fmt.Sprintf("  name = \"a\"\n  image = %q\n%s\n", h.Image, tc.body)),
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(tc.want),
				}},
			})
		})
	}
	// Allowed: a VM's agent, and an address with a nic or with profiles
	// (which may give one).
	for name, body := range map[string]string{
		"agentVM":        `  type = "virtual-machine"` + "\n" + `  wait_for = [{ type = "agent" }]`,
		"ipv4WithNIC":    `  profiles = []` + "\n  devices = [" + rootDisk + `, { name = "eth0", type = "nic", properties = { nictype = "p2p" } }]` + "\n" + `  wait_for = [{ type = "ipv4" }]`,
		"ipv4ByProfiles": `  wait_for = [{ type = "ipv4" }]`,
	} {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:             acctest.InstanceConfig(h, fmt.Sprintf("  name = \"a\"\n  image = %q\n%s\n", h.Image, body)),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
				}},
			})
		})
	}
}

// waitForFailsFast runs one create that must fail with want well before its
// 10-minute create timeout, and leaves nothing behind.
func waitForFailsFast(t *testing.T, h *acctest.IncusHost, name, config string, want *regexp.Regexp) {
	t.Helper()
	t.Cleanup(func() { h.ForgetInstance(name) })
	start := time.Now()
	acctest.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckInstancesGone(h, name),
		Steps:                    []resource.TestStep{{Config: config, ExpectError: want}},
	})
	if took := time.Since(start); took > 2*time.Minute {
		t.Errorf("the failing wait took %s: it waited instead of failing fast", took)
	}
}

// An address on an instance whose devices and profiles give it no NIC can
// never come: the create fails right after the start and says why.
func TestAccIncusInstance_waitForNoNIC(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("nonic")
		profile := acctest.RandomName("rack-nonic")
		h.CreateProfile(t, profile, nil)
		waitForFailsFast(t, h, name, acctest.InstanceConfig(h, fmt.Sprintf(`
  name     = %q
  image    = %q
  profiles = [%q]
  devices  = [%s]
  wait_for = [{ type = "ipv4" }]
`, name, h.Image, profile, rootDisk)),
			acctest.DiagRE(fmt.Sprintf(`Incus Instance Did Not Become Ready.*Instance %q \(project "default", remote "test"\) was created and started.*tainted.*`+
				`Waiting for instance %q \(project "default", remote "test"\) to have a global ipv4 address cannot succeed: it has no network device: `+
				`neither its own devices nor those of its profiles \(%s\) include a nic.*Give it a nic device`, name, name, profile)))
	})
}

// The VM agent in a container, when the type is known only at apply: the
// configuration is validated again once it is known, before the create.
func TestAccIncusInstance_waitForAgentInContainer(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("noagent")
		waitForFailsFast(t, h, name, acctest.InstanceConfig(h, fmt.Sprintf(`
  name     = %q
  image    = %q
  type     = terraform_data.kind.output
  wait_for = [{ type = "agent" }]
`, name, h.Image))+`
resource "terraform_data" "kind" { input = "container" }
`,
			acctest.DiagRE(`No VM Agent in a Container.*only virtual machines run`))
		if h.InstanceExists(name) {
			t.Errorf("instance %s was created", name)
		}
	})
}

// A nic that names no interface of a container.
func TestAccIncusInstance_waitForUnknownNIC(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("badnic")
		waitForFailsFast(t, h, name, acctest.InstanceConfig(h, fmt.Sprintf(`
  name     = %q
  image    = %q
  devices  = [{ name = "net0", type = "nic", properties = { nictype = "p2p", name = "eth0" } }]
  wait_for = [{ type = "ipv4", nic = "eth9" }]
`, name, h.Image)),
			acctest.DiagRE(`a global ipv4 address on eth9 cannot succeed: it has no interface named "eth9"; its network interfaces: eth0 \(device net0\).*Set nic to one of them`))
	})
}

// A wait that may still succeed runs to the timeout, whose message names
// what was last seen: the status and each interface's addresses.
func TestAccIncusInstance_waitForTimeoutNamesLastState(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("noaddr")
		t.Cleanup(func() { h.ForgetInstance(name) })
		// A point-to-point NIC on no bridge: no DHCP, no global address.
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name     = %q
  image    = %q
  devices  = [{ name = "eth0", type = "nic", properties = { nictype = "p2p" } }]
  wait_for = [{ type = "ipv4" }]
  timeouts = { create = "4s" }
`, name, h.Image)),
				ExpectError: acctest.DiagRE(fmt.Sprintf(`Timed out after 4s waiting for instance %q to have a global ipv4 address\. `+
					`Last observed state: status Running, interfaces: eth0 with no global address\.`, name)),
			}},
		})
	})
}
