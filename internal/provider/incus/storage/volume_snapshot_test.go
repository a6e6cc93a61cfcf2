package storage_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

const snapAddr = "rack_incus_storage_volume_snapshot.test"

func snapshotConfig(h *acctest.IncusHost, vol, volume, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_storage_volume" "vol" {
  remote      = "test"
  pool        = "default"
  name        = %q
  description = "the volume's"
}

resource "rack_incus_storage_volume_snapshot" "test" {
  remote = "test"
  pool   = "default"
  volume = %s
%s
}
`, vol, volume, body)
}

func TestAccIncusStorageVolumeSnapshot_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		vol, other := acctest.RandomName("vol"), acctest.RandomName("vol")
		name, renamed := acctest.RandomName("snap"), acctest.RandomName("snap")
		t.Cleanup(func() {
			_ = h.Client.DeleteStoragePoolVolume("default", "custom", vol)
			_ = h.Client.DeleteStoragePoolVolume("default", "custom", other)
		})
		ref := "rack_incus_storage_volume.vol.name"
		v1 := snapshotConfig(h, vol, ref, fmt.Sprintf("name = %q", name))
		v2 := snapshotConfig(h, vol, ref, fmt.Sprintf("name = %q\ndescription = \"mine\"\nexpires_at = \"2099-01-02T03:04:05+01:00\"", name))
		v3 := snapshotConfig(h, vol, ref, fmt.Sprintf("name = %q\ndescription = \"mine\"\nexpires_at = \"2099-01-02T03:04:05+01:00\"", renamed))
		id := fmt.Sprintf("test:default/default/%s/%s", vol, renamed)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             volumesGone(h, "default", vol, other),
			Steps: []resource.TestStep{
				{ // not the volume's description: the one configured (none)
					Config: v1,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(snapAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
						statecheck.ExpectKnownValue(snapAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
						statecheck.ExpectKnownValue(snapAddr, tfjsonpath.New("created_at"), knownvalue.NotNull()),
					},
				},
				{ // description and expiry in place; the configured spelling of the time is kept
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(snapAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(snapAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact("2099-01-02T03:04:05+01:00")),
					},
				},
				{Config: v2, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{ // rename in place
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(snapAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(snapAddr, tfjsonpath.New("id"), knownvalue.StringExact(id))},
				},
				{ResourceName: snapAddr, ImportState: true, ImportStateId: id, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts", "expires_at"}}, // the same instant, spelt in UTC,
				{ResourceName: snapAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: id, Config: v3},
				{ // changed out of band: drift, put back
					PreConfig: func() {
						s, etag, err := h.Client.GetStoragePoolVolumeSnapshot("default", "custom", vol, renamed)
						if err != nil {
							t.Fatal(err)
						}
						never := time.Time{}
						if err := h.Client.UpdateStoragePoolVolumeSnapshot("default", "custom", vol, renamed, api.StorageVolumeSnapshotPut{Description: "theirs", ExpiresAt: &never}, etag); err != nil {
							t.Fatal(err)
						}
						_ = s
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(snapAddr, plancheck.ResourceActionUpdate),
					}},
				},
				{ // deleted out of band: planned again
					PreConfig: func() {
						op, err := h.Client.DeleteStoragePoolVolumeSnapshot("default", "custom", vol, renamed)
						if err == nil {
							err = op.Wait()
						}
						if err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(snapAddr, plancheck.ResourceActionCreate),
					}},
				},
				{ // a snapshot of another volume replaces it
					Config: snapshotConfig(h, vol, "rack_incus_storage_volume.other.name", fmt.Sprintf("name = %q", renamed)) + fmt.Sprintf(`
resource "rack_incus_storage_volume" "other" {
  remote = "test"
  pool   = "default"
  name   = %q
}
`, other),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(snapAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
				},
			},
		})
	})
}

func TestAccIncusStorageVolumeSnapshot_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		vol, name := acctest.RandomName("vol"), acctest.RandomName("snap")
		t.Cleanup(func() { _ = h.Client.DeleteStoragePoolVolume("default", "custom", vol) })
		ref := "rack_incus_storage_volume.vol.name"
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             volumesGone(h, "default", vol),
			Steps: []resource.TestStep{
				{
					Config:      snapshotConfig(h, vol, ref, fmt.Sprintf("name = %q\nexpires_at = \"tomorrow\"", name)),
					ExpectError: acctest.DiagRE(`Invalid RFC3339 String Value.*"tomorrow"`),
				},
				{ // a taken name names the import ID
					Config:      snapshotConfig(h, vol, ref, fmt.Sprintf("name = %q\n}\nresource \"rack_incus_storage_volume_snapshot\" \"twin\" {\n remote = \"test\"\n pool = \"default\"\n volume = %s\n name = %q\n depends_on = [rack_incus_storage_volume_snapshot.test]", name, ref, name)),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`terraform import.*"test:default/default/%s/%s"`, vol, name)),
				},
			},
		})
	})
}
