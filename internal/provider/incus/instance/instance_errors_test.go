package instance_test

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

var operationIDRE = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// A name that is taken fails the create and says how to import it.
func TestAccIncusInstance_conflictNamesImportID(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("taken")
		h.CreateInstance(t, name)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n", name, h.Image)),
				ExpectError: acctest.DiagRE(fmt.Sprintf(`Unable to Create Incus Instance.*already exists.*terraform import <resource address> test:default/%s`,
					regexp.QuoteMeta(name))),
			}},
		})
		if !h.InstanceExists(name) {
			t.Fatalf("the pre-existing instance %s was touched", name)
		}
	})
}

// A start that fails after the instance was made keeps it in state (tainted),
// blames the missing bridge and shows the operation ID with the server's message.
func TestAccIncusInstance_failedStartIsTainted(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("badstart")
		t.Cleanup(func() { h.ForgetInstance(name) })
		base := fmt.Sprintf("  name = %q\n  image = %q\n", name, h.Image)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: acctest.InstanceConfig(h, base+`
  devices = [{
    name       = "eth0"
    type       = "nic"
    properties = { nictype = "bridged", parent = "rackno0br" }
  }]
`),
					ExpectError: acctest.DiagRE(`Unable to Create Incus Instance.*Host network interface "rackno0br" \(remote "test"\) was not found\.` +
						`.*Device "eth0" uses parent "rackno0br".*operation ` + operationIDRE +
						` \(Creating instance\) ended Failure: Failed to start device "eth0": Parent device "rackno0br" doesn't exist`),
				},
				{ // it was kept in state, tainted: the next apply replaces it
					Config: acctest.InstanceConfig(h, base),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(acctest.InstanceAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
				},
			},
		})
	})
}

// The server's validation message reaches the user verbatim, with the operation ID.
// (Missing images, profiles and the like: incus_instance_blame_test.go.)
func TestAccIncusInstance_serverValidation(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("invalid")
		t.Cleanup(func() { h.ForgetInstance(name) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, name),
			Steps: []resource.TestStep{
				{
					Config: acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n  config = { \"rack.nonsense\" = \"1\" }\n", name, h.Image)),
					ExpectError: acctest.DiagRE(`Incus operation ` + operationIDRE +
						`.*Unknown configuration key: rack.nonsense`),
				},
			},
		})
	})
}

// Bad input is refused at plan time, before any request.
func TestAccIncusInstance_planTimeValidation(t *testing.T) {
	h := acctest.StartMockHost(t)
	acctest.PreCheck(t)
	before := h.Mock.Requests() // the test's own connection
	cases := map[string]struct{ body, want string }{
		"name":       {`  name = "ends-with-"` + "\n  image = \"x\"\n", `Invalid Incus Instance Name.*must not end with "-"`},
		"type":       {`  name = "a"` + "\n  image = \"x\"\n  type = \"vm\"\n", `Attribute type value must be one of`},
		"volatile":   {`  name = "a"` + "\n  image = \"x\"\n  config = { \"volatile.uuid\" = \"1\" }\n", `Config key managed by Incus`},
		"delay":      {`  name = "a"` + "\n  image = \"x\"\n  wait_for = [{ type = \"delay\" }]\n", `Missing delay.*needs a delay`},
		"badDelay":   {`  name = "a"` + "\n  image = \"x\"\n  wait_for = [{ type = \"delay\", delay = \"soon\" }]\n", `Invalid duration.*"soon" is not a duration`},
		"nicOnReady": {`  name = "a"` + "\n  image = \"x\"\n  wait_for = [{ type = \"ready\", nic = \"eth0\" }]\n", `Unexpected nic`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps:                    []resource.TestStep{{Config: acctest.InstanceConfig(h, tc.body), PlanOnly: true, ExpectError: acctest.DiagRE(tc.want)}},
			})
		})
	}
	t.Run("unknownRemote", func(t *testing.T) {
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: h.ProviderConfig() + `
resource "rack_incus_instance" "test" {
  remote = "elsewhere"
  name   = "a"
  image  = "x"
}`,
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`Unknown Incus remote.*remote "elsewhere" is not configured; known remotes: .*test`),
			}},
		})
	})
	if sent := h.Mock.Requests() - before; sent != 0 {
		t.Fatalf("plan-time validation sent %d requests to the host", sent)
	}
}

// Provider configuration errors point at the attribute to fix.
func TestAccProvider_badIncusRemote(t *testing.T) {
	acctest.PreCheck(t)
	dir := t.TempDir()
	cases := map[string]struct{ remote, want string }{
		"missingSocket": {`address = "unix:///nonexistent/incus.sock"`, `Invalid Incus remote "r".*address = "unix:///nonexistent/incus.sock".*the Incus socket /nonexistent/incus.sock cannot be used.*is incusd running`},
		"badURL":        {`address = "ftp://host"`, `address = "ftp://host".*"ftp://host" is not a valid remote address: use unix:///path/to/unix.socket or https://host:8443`},
		"badPEM":        {`address = "https://127.0.0.1:8443"` + "\n    server_certificate = \"garbage\"", `server_certificate = "garbage".*not a PEM encoded certificate`},
		"noClientCert":  {`address = "https://127.0.0.1:8443"`, `Invalid Incus remote "r".*needs a client certificate and key`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      acctest.OneRemoteProvider(dir, "r", tc.remote) + `data "rack_incus_instance" "x" { name = "x" }`,
					ExpectError: acctest.DiagRE(tc.want),
				}},
			})
		})
	}
	t.Run("unknownDefault", func(t *testing.T) {
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: fmt.Sprintf(`
provider "rack" {
  incus_config_dir = %q
  default_remote   = "nowhere"
}
data "rack_incus_instance" "x" { name = "x" }
`, dir),
				ExpectError: acctest.DiagRE(`Unknown default remote.*default_remote is "nowhere"`),
			}},
		})
	})
}

// Faults only the mock host can produce on demand: auth, permission,
// operation failures, timeouts, connection trouble.
func TestAccIncusInstance_injectedFaults(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	name := acctest.RandomName("fault")
	instancePath := "/1.0/instances/" + name
	cfg := acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n  timeouts = { create = \"3s\" }\n", name, h.Image))
	var remove func()
	inject := func(f mockhost.Fault) func() { return func() { remove = h.Mock.InjectFault(f) } }
	clear := func() {
		if remove != nil {
			remove()
			remove = nil
		}
	}

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             acctest.CheckInstancesGone(h, name),
		Steps: []resource.TestStep{
			{ // an operation failure shows the operation ID and nothing is left behind
				PreConfig:   inject(mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances", FailOperation: true, Message: "disk quota exceeded", Times: 1}),
				Config:      cfg,
				ExpectError: acctest.DiagRE(`Incus operation ` + operationIDRE + ` \(Creating instance\).*Failure.*disk quota exceeded.*incus operation show`),
			},
			{ // untrusted client
				PreConfig:   func() { clear(); inject(mockhost.Fault{Status: http.StatusUnauthorized, Message: "not authorized"})() },
				Config:      cfg,
				ExpectError: acctest.DiagRE(`did not accept the provider's credentials.*trust_token`),
			},
			{ // trusted but restricted
				PreConfig: func() {
					clear()
					inject(mockhost.Fault{Status: http.StatusForbidden, Message: "User does not have permission for project \"default\""})()
				},
				Config:      cfg,
				ExpectError: acctest.DiagRE(`refused access.*incus config trust show.*User does not have permission`),
			},
			{ // the create outlives timeouts.create: a Timeout error
				PreConfig: func() {
					clear()
					inject(mockhost.Fault{PathPrefix: "/1.0/operations/", Latency: 5 * time.Second, Times: 1})()
				},
				Config:      cfg,
				ExpectError: acctest.DiagRE(`Timed out after 3s waiting for.*Raise the value in the resource's timeouts block`),
			},
			{ // a proxy's HTML 502 is a connection problem, retried, then reported
				PreConfig: func() {
					clear()
					h.ForgetInstance(name)
					inject(mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances", Status: http.StatusBadGateway, RawBody: "<html>502 Bad Gateway</html>"})()
				},
				Config:      cfg,
				ExpectError: acctest.DiagRE(`Could not talk to .*incus.sock.*HTTP 502.*non-JSON`),
			},
			{ // a dropped connection on a read is retried transparently
				PreConfig: func() { clear() },
				Config:    cfg,
			},
			{
				PreConfig: inject(mockhost.Fault{Method: "GET", PathPrefix: instancePath, Drop: true, Times: 1}),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// Import of something that is not there is an error, never an empty state.
func TestAccIncusInstance_importErrors(t *testing.T) {
	acctest.PreCheck(t)
	h := acctest.StartMockHost(t)
	cfg := acctest.InstanceConfig(h, "  name = \"ghost\"\n  image = \"x\"\n")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg, ResourceName: acctest.InstanceAddr, ImportState: true, ImportStateId: "test:default/ghost",
				ExpectError: acctest.DiagRE(`Cannot Import Incus Instance.*"ghost".*was not found`)},
			{Config: cfg, ResourceName: acctest.InstanceAddr, ImportState: true, ImportStateId: "test:a/b/c",
				ExpectError: acctest.DiagRE(`Invalid Import ID.*\[remote:\]\[project/\]name`)},
		},
	})
}
