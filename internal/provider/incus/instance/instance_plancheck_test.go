package instance_test

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

// hostRequests counts the requests a mock host has served (0 on the real one).
func hostRequests(h *acctest.IncusHost) int64 {
	if h.IsMock() {
		return h.Mock.Requests()
	}
	return 0
}

// The provider refuses at plan time, without a request, exactly the names
// the daemon itself refuses (asked first, on each host).
func TestAccIncusInstance_planTimeNameRules(t *testing.T) {
	instanceNames := map[string]struct{ incusd, ours string }{
		"a-":                    {`Name must not end with "-" character`, `must not end with "-"`},
		"-a":                    {`Name must not start with "-" character`, `must not start with "-"`},
		"123":                   {`Name cannot be a number`, `cannot be a number`},
		"0123":                  {`Name cannot be a number`, `cannot be a number`},
		"a_b":                   {`Name can only contain alphanumeric and hyphen characters`, `can only contain letters`},
		"wéb":                   {`Name can only contain alphanumeric and hyphen characters`, `can only contain letters`},
		strings.Repeat("a", 64): {`Name must be 1-63 characters long`, `must be 1-63 characters long`},
		"a/b":                   {`The character "/" is reserved for snapshots`, `the character "/" is reserved for snapshots`},
	}
	deviceNames := map[string]struct{ incusd, ours string }{
		".hidden":               {`Name must not start with "." character`, `must not start with "."`},
		"a b":                   {`Name can only contain alphanumeric, forward slash, hyphen, colon, underscore and full stop characters`, `can only contain letters`},
		strings.Repeat("d", 64): {`Name must be 1-63 characters long`, `must be 1-63 characters long`},
	}
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		for name, want := range instanceNames {
			_, err := h.Client.CreateInstance(api.InstancesPost{Name: name, Source: api.InstanceSource{Type: "image", Alias: h.Image}})
			if err == nil {
				h.ForgetInstance(name)
			}
			if err == nil || !strings.Contains(err.Error(), want.incusd) {
				t.Errorf("incusd on name %q: got %v, want an error with %q", name, err, want.incusd)
			}
		}
		for dev, want := range deviceNames {
			name := acctest.RandomName("devname")
			op, err := h.Client.CreateInstance(api.InstancesPost{Name: name, Source: api.InstanceSource{Type: "image", Alias: h.Image},
				InstancePut: api.InstancePut{Devices: map[string]map[string]string{dev: {"type": "none"}}}})
			if err == nil {
				err = op.Wait()
			}
			if h.InstanceExists(name) {
				h.ForgetInstance(name)
				t.Errorf("incusd created an instance with device %q", dev)
			}
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("Device validation failed for %q: %s", dev, want.incusd)) {
				t.Errorf("incusd on device name %q: got %v, want an error with %q", dev, err, want.incusd)
			}
		}

		before := hostRequests(h)
		for name, want := range instanceNames {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n", name, h.Image)),
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(`Invalid Incus Instance Name.*` + regexp.QuoteMeta(fmt.Sprintf("instance name %q:", name)) + ` (it )?` + regexp.QuoteMeta(want.ours)),
				}},
			})
		}
		for dev, want := range deviceNames {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      acctest.InstanceConfig(h, fmt.Sprintf("  name = \"a\"\n  image = %q\n  devices = [{ name = %q, type = \"none\" }]\n", h.Image, dev)),
					PlanOnly:    true,
					ExpectError: acctest.DiagRE(`Invalid Incus Device Name.*` + regexp.QuoteMeta(fmt.Sprintf("device name %q:", dev)) + ` (it )?` + regexp.QuoteMeta(want.ours)),
				}},
			})
		}
		if sent := hostRequests(h) - before; sent != 0 {
			t.Fatalf("plan-time name checks sent %d requests to the host", sent)
		}
	})
}

// Names incusd accepts are accepted: a leading digit, "--", and a run of
// digits too long to be a number (the old rule refused the first two).
func TestAccIncusInstance_namesIncusdAccepts(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		n, err := rand.Int(rand.Reader, big.NewInt(1e18))
		if err != nil {
			t.Fatal(err)
		}
		names := []string{acctest.RandomName("9web"), acctest.RandomName("a--b"), fmt.Sprintf("99%018d", n)} // 20 digits > 2^64
		var config strings.Builder
		config.WriteString(h.ProviderConfig())
		var checks []statecheck.StateCheck
		for i, name := range names {
			t.Cleanup(func() { h.ForgetInstance(name) })
			fmt.Fprintf(&config, "resource \"rack_incus_instance\" \"n%d\" {\n  name    = %q\n  image   = %q\n  running = false\n}\n", i, name, h.Image)
			checks = append(checks, statecheck.ExpectKnownValue(fmt.Sprintf("rack_incus_instance.n%d", i), tfjsonpath.New("status"), knownvalue.StringExact("Stopped")))
		}
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, names...),
			Steps:                    []resource.TestStep{{Config: config.String(), ConfigStateChecks: checks}},
		})
	})
}

// Two devices with one name are refused at plan time, naming the device;
// before, the apply failed with "Provider produced inconsistent result".
func TestAccIncusInstance_duplicateDeviceNames(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		before := hostRequests(h)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: acctest.InstanceConfig(h, fmt.Sprintf(`
  name  = "dup"
  image = %q
  devices = [
    { name = "scratch", type = "disk", properties = { source = "/tmp", path = "/mnt/a" } },
    { name = "scratch", type = "disk", properties = { source = "/tmp", path = "/mnt/b" } },
    { name = "other", type = "none" },
  ]
`, h.Image)),
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`Duplicate Incus Device Name.*More than one device is named "scratch"`),
			}},
		})
		if sent := hostRequests(h) - before; sent != 0 {
			t.Fatalf("the duplicate check sent %d requests to the host", sent)
		}
	})
}

// The plan of a new instance shows where it goes: id, remote and project
// are known whenever the configuration allows, with the default remote as
// with a named one; an unknown project leaves project and id unknown.
func TestAccIncusInstance_knownAtPlan(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		dflt, named := acctest.RandomName("dflt"), acctest.RandomName("named")
		t.Cleanup(func() { h.ForgetInstance(dflt); h.ForgetInstance(named) })
		two := h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "dflt" {
  name    = %q
  image   = %q
  running = false
}
resource "rack_incus_instance" "named" {
  remote  = "test"
  project = "default"
  name    = %q
  image   = %q
  running = false
}
`, dflt, h.Image, named, h.Image)
		known := func(addr, name string) []plancheck.PlanCheck {
			return []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+name)),
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("remote"), knownvalue.StringExact("test")),
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("project"), knownvalue.StringExact("default")),
			}
		}
		unknownProject := fmt.Sprintf(`
resource "terraform_data" "project" {
  input = "default"
}
resource "rack_incus_instance" "later" {
  project = terraform_data.project.output
  name    = "later"
  image   = %q
}
`, h.Image)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             acctest.CheckInstancesGone(h, dflt, named),
			Steps: []resource.TestStep{
				{
					Config: two,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(
						known("rack_incus_instance.dflt", dflt), known("rack_incus_instance.named", named)...)},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("rack_incus_instance.dflt", tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+dflt)),
						statecheck.ExpectKnownValue("rack_incus_instance.named", tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+named)),
					},
				},
				{
					Config:             two + unknownProject,
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
					ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue("rack_incus_instance.later", tfjsonpath.New("remote"), knownvalue.StringExact("test")),
						plancheck.ExpectUnknownValue("rack_incus_instance.later", tfjsonpath.New("project")),
						plancheck.ExpectUnknownValue("rack_incus_instance.later", tfjsonpath.New("id")),
					}},
				},
			},
		})
	})
}
