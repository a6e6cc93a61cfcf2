package cluster_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

func memberConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_cluster_member" "test" {
  remote = "test"
  name   = "c2"
%s
}

data "rack_incus_cluster" "test" {
  remote     = "test"
  depends_on = [rack_incus_cluster_member.test]
}
`, body)
}

// restoreMember puts c2 back as the test cluster has it: online, in the
// default group only, no config, roles or description.
func restoreMember(h *acctest.IncusHost) {
	m, etag, err := h.Client.GetClusterMember("c2")
	if err != nil {
		return
	}
	if m.Status == "Evacuated" {
		if op, err := h.Client.UpdateClusterMemberState("c2", api.ClusterMemberStatePost{Action: "restore"}); err == nil {
			_ = op.Wait()
		}
		m, etag, _ = h.Client.GetClusterMember("c2")
	}
	_ = h.Client.UpdateClusterMember("c2", api.ClusterMemberPut{Config: map[string]string{}, Roles: []string{}, FailureDomain: "default", Groups: m.Groups}, etag)
}

func TestAccIncusClusterMember_lifecycle(t *testing.T) {
	acctest.ForEachIncusCluster(t, func(t *testing.T, h *acctest.IncusHost) {
		restoreMember(h)
		t.Cleanup(func() { restoreMember(h) })
		addr := "rack_incus_cluster_member.test"
		inst := acctest.RandomName("evac")
		t.Cleanup(func() { h.ForgetInstance(inst) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(*terraform.State) error {
				// Destroy leaves the member as it was: still configured.
				m, _, err := h.Client.GetClusterMember("c2")
				if err != nil {
					return err
				}
				if m.Config["user.rack"] != "two" {
					return fmt.Errorf("destroy changed member c2: %+v", m.ClusterMemberPut)
				}
				return nil
			},
			Steps: []resource.TestStep{
				{
					Config: memberConfig(h, `
  description    = "one"
  config         = { "user.rack" = "one", "scheduler.instance" = "all" }
  roles          = ["event-hub"]
  failure_domain = "fd2"
`),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "id", "test:c2"),
						resource.TestCheckResourceAttr(addr, "evacuated", "false"),
						resource.TestCheckResourceAttr(addr, "roles.#", "1"),
						resource.TestCheckTypeSetElemAttr(addr, "groups.*", "default"),
						resource.TestCheckResourceAttr("data.rack_incus_cluster.test", "enabled", "true"),
						resource.TestCheckResourceAttr("data.rack_incus_cluster.test", "members.#", "2"),
						resource.TestCheckResourceAttr("data.rack_incus_cluster.test", "members.1.name", "c2"),
						resource.TestCheckResourceAttr("data.rack_incus_cluster.test", "members.1.failure_domain", "fd2"),
						resource.TestCheckResourceAttr("data.rack_incus_cluster.test", "members.1.status", "Online"),
						resource.TestCheckResourceAttr("data.rack_incus_cluster.test", "members.0.url", "https://127.0.0.11:8443"),
					),
				},
				{ResourceName: addr, ImportState: true, ImportStateId: "test:c2", ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
				{ // evacuate: an instance on c2 moves to c1
					PreConfig: func() {
						op, err := h.Client.UseTarget("c2").CreateInstance(api.InstancesPost{Name: inst, Source: api.InstanceSource{Type: "image", Alias: h.Image}, Start: true})
						if err == nil {
							err = op.Wait()
						}
						if err != nil {
							t.Fatal(err)
						}
					},
					Config: memberConfig(h, `
  description    = "two"
  config         = { "user.rack" = "two" }
  failure_domain = "fd2"
  evacuated      = true
`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "evacuated", "true"),
						resource.TestCheckResourceAttr(addr, "roles.#", "0"),
						resource.TestCheckResourceAttr("data.rack_incus_cluster.test", "members.1.status", "Evacuated"),
						checkLocation(h, inst, "c1"),
					),
				},
				{ // drift: restored out of band
					PreConfig: func() {
						op, err := h.Client.UpdateClusterMemberState("c2", api.ClusterMemberStatePost{Action: "restore"})
						if err == nil {
							err = op.Wait()
						}
						if err != nil {
							t.Fatal(err)
						}
					},
					RefreshState:       true,
					ExpectNonEmptyPlan: true,
					Check:              resource.TestCheckResourceAttr(addr, "evacuated", "false"),
				},
				{ // restore: back on c2
					Config: memberConfig(h, `
  description    = "two"
  config         = { "user.rack" = "two" }
  failure_domain = "fd2"
  evacuated      = false
`),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "evacuated", "false"),
						checkLocation(h, inst, "c2"),
					),
				},
				{ // incusd's texts: a key it does not take, a group that is not there
					Config:      memberConfig(h, `config = { "bogus.key" = "1" }`),
					ExpectError: regexp.MustCompile(`Invalid cluster configuration key "bogus.key"`),
				},
				{
					Config:      memberConfig(h, `groups = ["nogroup"]`),
					ExpectError: regexp.MustCompile(`Cluster_group not found`),
				},
				{ // plan time: a role no client may set
					Config:      memberConfig(h, `roles = ["database"]`),
					ExpectError: regexp.MustCompile(`(?s)value must be one of.*event-hub`),
				},
				{Config: memberConfig(h, `
  description    = "two"
  config         = { "user.rack" = "two" }
  failure_domain = "fd2"
`)},
			},
		})
	})
}

func TestAccIncusClusterMember_notAMember(t *testing.T) {
	acctest.ForEachIncusCluster(t, func(t *testing.T, h *acctest.IncusHost) {
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: h.ProviderConfig() + `
resource "rack_incus_cluster_member" "test" {
  remote = "test"
  name   = "c9"
}`,
				ExpectError: regexp.MustCompile(`(?s)Cluster member "c9".*members are c1, c2`),
			}},
		})
	})
}

func checkLocation(h *acctest.IncusHost, name, member string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		inst, _, err := h.Client.GetInstance(name)
		if err != nil {
			return err
		}
		if inst.Location != member {
			return fmt.Errorf("instance %s is on %s, want %s", name, inst.Location, member)
		}
		return nil
	}
}
