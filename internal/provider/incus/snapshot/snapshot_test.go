package snapshot_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

const addr = "rack_incus_instance_snapshot.test"

// config is an instance (stopped, described "web") and a snapshot of the
// instance named by instance (an expression) with body.
func config(h *acctest.IncusHost, inst, instance, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "inst" {
  remote      = "test"
  name        = %q
  image       = %q
  running     = false
  description = "web"
}

resource "rack_incus_instance_snapshot" "test" {
  remote   = "test"
  instance = %s
%s
}
`, inst, h.Image, instance, body)
}

// snapshotsGone checks that the instances (and so their snapshots) are gone.
func snapshotsGone(h *acctest.IncusHost, insts ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		return acctest.CheckInstancesGone(h, insts...)(s)
	}
}

func TestAccIncusInstanceSnapshot_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		inst, other := acctest.RandomName("snapi"), acctest.RandomName("snapi")
		name, renamed := acctest.RandomName("snap"), acctest.RandomName("snap")
		t.Cleanup(func() { h.ForgetInstance(inst); h.ForgetInstance(other) })
		ref := "rack_incus_instance.inst.name"
		v1 := config(h, inst, ref, fmt.Sprintf("name = %q", name))
		v2 := config(h, inst, ref, fmt.Sprintf("name = %q\nexpires_at = \"2099-01-02T03:04:05+01:00\"", name))
		v3 := config(h, inst, ref, fmt.Sprintf("name = %q\nexpires_at = \"2099-01-02T03:04:05+01:00\"", renamed))
		id := fmt.Sprintf("test:default/%s/%s", inst, renamed)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             snapshotsGone(h, inst, other),
			Steps: []resource.TestStep{
				{ // no description (incusd 6.0 has none for snapshots); never expires
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("")),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("stateful"), knownvalue.Bool(false)),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.Null()),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_at"), knownvalue.NotNull()),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(fmt.Sprintf("test:default/%s/%s", inst, name))),
					},
				},
				{ // expiry in place; the configured spelling of the time is kept
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.StringExact("2099-01-02T03:04:05+01:00")),
					},
					Check: func(*terraform.State) error {
						s, _, err := h.Client.GetInstanceSnapshot(inst, name)
						if err != nil {
							return err
						}
						if want := time.Date(2099, 1, 2, 2, 4, 5, 0, time.UTC); !s.ExpiresAt.Equal(want) {
							return fmt.Errorf("the server has expiry %s, want %s", s.ExpiresAt, want)
						}
						return nil
					},
				},
				{Config: v2, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{ // rename in place
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(id))},
				},
				{ResourceName: addr, ImportState: true, ImportStateId: id, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts", "expires_at"}}, // the same instant, spelt in UTC
				{ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: id, Config: v3},
				{ // expiry changed out of band: drift, put back
					PreConfig: func() {
						_, etag, err := h.Client.GetInstanceSnapshot(inst, renamed)
						if err != nil {
							t.Fatal(err)
						}
						op, err := h.Client.UpdateInstanceSnapshot(inst, renamed, api.InstanceSnapshotPut{ExpiresAt: time.Date(2098, 1, 1, 0, 0, 0, 0, time.UTC)}, etag)
						if err == nil {
							err = op.Wait()
						}
						if err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					}},
				},
				{ // deleted out of band: planned again
					PreConfig: func() {
						op, err := h.Client.DeleteInstanceSnapshot(inst, renamed)
						if err == nil {
							err = op.Wait()
						}
						if err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					}},
				},
				{ // a snapshot of another instance replaces it
					Config: config(h, inst, "rack_incus_instance.other.name", fmt.Sprintf("name = %q", renamed)) + fmt.Sprintf(`
resource "rack_incus_instance" "other" {
  remote  = "test"
  name    = %q
  image   = %q
  running = false
}
`, other, h.Image),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
				},
			},
		})
	})
}

func TestAccIncusInstanceSnapshot_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		inst, name, missing := acctest.RandomName("snapi"), acctest.RandomName("snap"), acctest.RandomName("nosuch")
		t.Cleanup(func() { h.ForgetInstance(inst) })
		ref := "rack_incus_instance.inst.name"
		twin := fmt.Sprintf(`
resource "rack_incus_instance_snapshot" "twin" {
  remote     = "test"
  instance   = %s
  name       = %q
  depends_on = [rack_incus_instance_snapshot.test]
}
`, ref, name)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             snapshotsGone(h, inst),
			Steps: []resource.TestStep{
				{
					Config:      config(h, inst, ref, `name = "a/b"`),
					ExpectError: acctest.DiagRE(`Invalid Incus Instance Snapshot Name.*must not contain "/"`),
				},
				{
					Config:      config(h, inst, ref, fmt.Sprintf("name = %q\nexpires_at = \"tomorrow\"", name)),
					ExpectError: acctest.DiagRE(`Invalid RFC3339 String Value.*"tomorrow"`),
				},
				{ // a snapshot of a missing instance blames the instance
					Config:      config(h, inst, fmt.Sprintf("%q", missing), fmt.Sprintf("name = %q", name)),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`instance %q \(project "default", remote "test"\).*does not exist`, missing)),
				},
				{ // a taken name names the import ID
					Config:      config(h, inst, ref, fmt.Sprintf("name = %q", name)) + twin,
					ExpectError: acctest.DiagRE(fmt.Sprintf(`terraform import.*"test:default/%s/%s"`, inst, name)),
				},
				{ // stateful without migration.stateful: incusd's refusal, with the operation ID
					Config:      config(h, inst, ref, fmt.Sprintf("name = %q\nstateful = true", name+"x")),
					ExpectError: acctest.DiagRE(`Incus operation [0-9a-f-]{36} \(Snapshotting instance\).*Stateful snapshots require that the instance has migration\.stateful be set to true`),
				},
				{ // running, migration.stateful set: a container needs CRIU, which this host lacks
					Config: h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_instance" "inst" {
  remote  = "test"
  name    = %q
  image   = %q
  running = true
  config  = { "migration.stateful" = "true" }
}

resource "rack_incus_instance_snapshot" "test" {
  remote   = "test"
  instance = rack_incus_instance.inst.name
  name     = %q
  stateful = true
}
`, inst, h.Image, name+"y"),
					ExpectError: acctest.DiagRE(`Incus operation [0-9a-f-]{36} \(Snapshotting instance\).*Unable to create a stateful snapshot\. CRIU isn't installed.*stateful = false`),
				},
			},
		})
	})
}
