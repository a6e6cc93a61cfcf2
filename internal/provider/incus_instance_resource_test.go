package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

const instanceAddr = "rack_incus_instance.test"

func instanceConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "test" {
  remote = "test"
%s
}
`, body)
}

// checkGone fails when an instance is left behind after destroy.
func checkGone(h *acctest.IncusHost, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if h.InstanceExists(n) {
				return fmt.Errorf("instance %s still exists after destroy", n)
			}
		}
		return nil
	}
}

func TestAccIncusInstance_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("life")
		renamed := name + "-b"
		alias := acctest.RandomName("other")
		h.AddOtherImage(t, alias)
		t.Cleanup(func() { h.ForgetInstance(name); h.ForgetInstance(renamed) })

		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             checkGone(h, name, renamed),
			Steps: []resource.TestStep{
				{ // create and start in one request
					Config: instanceConfig(h, fmt.Sprintf(`
  name        = %q
  image       = %q
  description = "first"
  config      = { "user.role" = "web" }
`, name, h.Image)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("running"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+name)),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("project"), knownvalue.StringExact("default")),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("type"), knownvalue.StringExact("container")),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("profiles"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("default")})),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{"user.role": knownvalue.StringExact("web")})),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("image_fingerprint"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("architecture"), knownvalue.NotNull()),
					},
				},
				{ // update in place: config, description, devices, power state
					Config: instanceConfig(h, fmt.Sprintf(`
  name        = %q
  image       = %q
  description = "second"
  running     = false
  stop_timeout = 0
  config      = { "user.role" = "db", "limits.processes" = "500" }
  devices = [{
    name       = "scratch"
    type       = "disk"
    properties = { source = "/tmp", path = "/mnt/scratch" }
  }]
`, name, h.Image)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(instanceAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Stopped")),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("description"), knownvalue.StringExact("second")),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("config"), knownvalue.MapExact(map[string]knownvalue.Check{
							"user.role": knownvalue.StringExact("db"), "limits.processes": knownvalue.StringExact("500")})),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("devices"), knownvalue.SetSizeExact(1)),
					},
				},
				{ // rename in place, and start again
					Config: instanceConfig(h, fmt.Sprintf(`
  name        = %q
  image       = %q
  description = "second"
  config      = { "user.role" = "db", "limits.processes" = "500" }
`, renamed, h.Image)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(instanceAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("name"), knownvalue.StringExact(renamed)),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("id"), knownvalue.StringExact("test:default/"+renamed)),
					},
					Check: func(*terraform.State) error {
						if h.InstanceExists(name) {
							return fmt.Errorf("old name %s still exists after rename", name)
						}
						return nil
					},
				},
				{ // import by ID, verified attribute by attribute
					ResourceName:      instanceAddr,
					ImportState:       true,
					ImportStateId:     "test:default/" + renamed,
					ImportStateVerify: true,
				},
				{ // import with an import block: the plan after it must be empty
					ResourceName:    instanceAddr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   "test:" + renamed,
				},
				{ // a new image replaces the instance
					Config: instanceConfig(h, fmt.Sprintf(`
  name        = %q
  image       = %q
  description = "second"
  config      = { "user.role" = "db", "limits.processes" = "500" }
`, renamed, alias)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(instanceAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("image"), knownvalue.StringExact(alias)),
						statecheck.ExpectKnownValue(instanceAddr, tfjsonpath.New("status"), knownvalue.StringExact("Running")),
					},
				},
			},
		})
	})
}

// diagRE matches diagnostic text as Terraform prints it: wrapped at any
// space, so every space in the pattern matches any run of white space.
func diagRE(pattern string) *regexp.Regexp {
	return regexp.MustCompile("(?s)" + strings.ReplaceAll(pattern, " ", `\s+`))
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
