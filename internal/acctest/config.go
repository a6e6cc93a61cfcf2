package acctest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// DiagRE matches diagnostic text as Terraform prints it: wrapped at any
// space, so every space in the pattern matches any run of white space.
func DiagRE(pattern string) *regexp.Regexp {
	return regexp.MustCompile("(?s)" + strings.ReplaceAll(pattern, " ", `\s+`))
}

// OneRemoteProvider is a provider block with a single incus_remote whose
// other attributes are body, reading no incus CLI configuration.
func OneRemoteProvider(configDir, name, body string) string {
	return fmt.Sprintf(`
provider "rack" {
  incus_config_dir = %q
  incus_remote {
    name = %q
    %s
  }
}
`, configDir, name, body)
}

// Missing lists what a has and b lacks.
func Missing(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		found := false
		for _, y := range b {
			found = found || x == y
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

// CheckInstancesGone fails when an instance is left behind after destroy.
func CheckInstancesGone(h *IncusHost, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			if h.InstanceExists(n) {
				return fmt.Errorf("instance %s still exists after destroy", n)
			}
		}
		return nil
	}
}

// InstanceConfig is h's provider block and a rack_incus_instance "test" on
// the remote "test" whose other attributes are body.
func InstanceConfig(h *IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "test" {
  remote = "test"
%s
}
`, body)
}

// InstanceAddr is the address of the instance InstanceConfig declares.
const InstanceAddr = "rack_incus_instance.test"

// Test is resource.Test, with the TestCase's CheckDestroy run once more
// after the last step: resource.Test runs it only after destroying what
// state still holds, so a test whose last step removes every resource
// would otherwise never check that they are gone from the host.
func Test(t *testing.T, c resource.TestCase) {
	t.Helper()
	resource.Test(t, c)
	if c.CheckDestroy != nil && !t.Failed() {
		// A state holding nothing, as after the destroy.
		empty := &terraform.State{Modules: []*terraform.ModuleState{{Path: []string{"root"}, Resources: map[string]*terraform.ResourceState{}}}}
		if err := c.CheckDestroy(empty); err != nil {
			t.Errorf("after the last step: %v", err)
		}
	}
}
