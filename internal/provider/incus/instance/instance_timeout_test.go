package instance_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// A create that outlives timeouts.create must not orphan the instance: the
// server goes on with the operation it accepted. Two ways the timeout can
// land: while the create operation runs (before incusd has written the
// instance record, as with an image that is still being downloaded), and
// while the create request itself is still unanswered.
func TestAccIncusInstance_createTimeoutLeavesNoOrphan(t *testing.T) {
	acctest.PreCheck(t)
	for _, tc := range []struct {
		name string
		arm  func(h *acctest.IncusHost)
	}{
		{"duringWait", func(h *acctest.IncusHost) { h.Mock.OperationDelay = 3 * time.Second }},
		{"beforeAnswer", func(h *acctest.IncusHost) {
			h.Mock.InjectFault(mockhost.Fault{Method: "POST", PathPrefix: "/1.0/instances", Latency: 2 * time.Second, Times: 1})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := acctest.StartMockHost(t)
			name := acctest.RandomName("tmo")
			tc.arm(h)
			cfg := acctest.InstanceConfig(h, fmt.Sprintf("  name = %q\n  image = %q\n  timeouts = { create = \"1s\" }\n", name, h.Image))
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{
					{Config: cfg, ExpectError: acctest.DiagRE(`.`)},
					{
						PreConfig:          func() { time.Sleep(3 * time.Second) }, // the server finishes what it accepted
						RefreshState:       true,
						ExpectNonEmptyPlan: true,
						Check: func(s resourceState) error {
							inState := []string{}
							for _, r := range s.RootModule().Resources {
								inState = append(inState, r.Primary.Attributes["name"])
							}
							sort.Strings(inState)
							onHost := h.InstanceNames(t)
							if fmt.Sprint(onHost) != fmt.Sprint(inState) {
								return fmt.Errorf("host has %v, state has %v: orphaned by the timeout", onHost, inState)
							}
							return nil
						},
					},
				},
			})
		})
	}
}

type resourceState = *terraform.State
