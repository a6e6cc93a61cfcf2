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

// The tests of this package that change the cluster run one after another
// (no top-level t.Parallel): they share the test cluster's two members.

func groupConfig(h *acctest.IncusHost, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_cluster_group" "test" {
  remote = "test"
%s
}
`, body)
}

func TestAccIncusClusterGroup_lifecycle(t *testing.T) {
	acctest.ForEachIncusCluster(t, func(t *testing.T, h *acctest.IncusHost) {
		name, renamed := acctest.RandomName("grp"), acctest.RandomName("grp")
		t.Cleanup(func() { forgetGroup(h, name); forgetGroup(h, renamed) })
		addr := "rack_incus_cluster_group.test"
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy: func(*terraform.State) error {
				for _, n := range []string{name, renamed} {
					if _, _, err := h.Client.GetClusterGroup(n); err == nil {
						return fmt.Errorf("cluster group %s still exists", n)
					}
				}
				return nil
			},
			Steps: []resource.TestStep{
				{
					Config: groupConfig(h, fmt.Sprintf("name = %q\ndescription = \"one\"\nmembers = [\"c1\"]", name)),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "id", "test:"+name),
						resource.TestCheckResourceAttr(addr, "members.#", "1"),
						checkMemberGroups(h, "c1", name),
					),
				},
				{ // update in place: description and members
					Config: groupConfig(h, fmt.Sprintf("name = %q\ndescription = \"two\"\nmembers = [\"c1\", \"c2\"]", name)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "description", "two"),
						resource.TestCheckResourceAttr(addr, "members.#", "2"),
						checkMemberGroups(h, "c2", name),
					),
				},
				{ // rename in place
					Config: groupConfig(h, fmt.Sprintf("name = %q\ndescription = \"two\"\nmembers = [\"c1\", \"c2\"]", renamed)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
					Check: resource.TestCheckResourceAttr(addr, "id", "test:"+renamed),
				},
				{ResourceName: addr, ImportState: true, ImportStateId: "test:" + renamed, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
				{ // drift: a member taken out of band
					PreConfig: func() {
						g, etag, err := h.Client.GetClusterGroup(renamed)
						if err != nil {
							t.Fatal(err)
						}
						put := g.Writable()
						put.Members = []string{"c1"}
						if err := h.Client.UpdateClusterGroup(renamed, put, etag); err != nil {
							t.Fatal(err)
						}
					},
					Config: groupConfig(h, fmt.Sprintf("name = %q\ndescription = \"two\"\nmembers = [\"c1\", \"c2\"]", renamed)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
					Check: checkMemberGroups(h, "c2", renamed),
				},
				{ // a member that does not exist: incusd's text
					Config:      groupConfig(h, fmt.Sprintf("name = %q\ndescription = \"two\"\nmembers = [\"c1\", \"c9\"]", renamed)),
					ExpectError: regexp.MustCompile(`Cluster member not found`),
				},
			},
		})
	})
}

func TestAccIncusClusterGroup_errors(t *testing.T) {
	acctest.ForEachIncusCluster(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("grp")
		t.Cleanup(func() { forgetGroup(h, name) })
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{ // taken name: the import ID of the group that has it
					PreConfig: func() {
						if err := h.Client.CreateClusterGroup(api.ClusterGroupsPost{Name: name}); err != nil {
							t.Fatal(err)
						}
					},
					Config:      groupConfig(h, fmt.Sprintf("name = %q", name)),
					ExpectError: regexp.MustCompile(`(?s)import.*"test:` + name + `"`),
				},
				{ // the default group cannot be renamed: incusd's text
					Config:             groupConfig(h, `name = "default"`),
					ResourceName:       "rack_incus_cluster_group.test",
					ImportState:        true,
					ImportStateId:      "test:default",
					ImportStatePersist: true,
				},
				{
					Config:      groupConfig(h, `name = "default-x"`),
					ExpectError: regexp.MustCompile(`The "default" group cannot be renamed`),
				},
				{ // destroying the default group resets it and drops it
					Config:  groupConfig(h, `name = "default"`),
					Destroy: true,
				},
				{
					Config:      groupConfig(h, `name = "a/b"`),
					ExpectError: regexp.MustCompile(`slashes`),
				},
			},
		})
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: acctest.StartMockHost(t).ProviderConfig() + `
resource "rack_incus_cluster_group" "test" {
  remote = "test"
  name   = "g1"
}`,
				ExpectError: regexp.MustCompile(`This server is not clustered`),
			}},
		})
	})
}

func forgetGroup(h *acctest.IncusHost, name string) {
	g, etag, err := h.Client.GetClusterGroup(name)
	if err != nil {
		return
	}
	put := g.Writable()
	put.Members = []string{}
	_ = h.Client.UpdateClusterGroup(name, put, etag)
	_ = h.Client.DeleteClusterGroup(name)
}

func checkMemberGroups(h *acctest.IncusHost, member, group string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		m, _, err := h.Client.GetClusterMember(member)
		if err != nil {
			return err
		}
		for _, g := range m.Groups {
			if g == group {
				return nil
			}
		}
		return fmt.Errorf("member %s is in groups %v, not in %s", member, m.Groups, group)
	}
}
