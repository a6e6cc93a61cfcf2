package pikvm_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

const driveAddr = "rack_pikvm_msd_drive.test"

func driveConfig(k *acctest.KVMDHost, dir, body string) string {
	return k.ProviderConfig("") + fmt.Sprintf(`
resource "rack_pikvm_msd_image" "iso" {
  name   = "installer.iso"
  source = %q
}

resource "rack_pikvm_msd_image" "flash" {
  name   = "flash.img"
  source = %q
}

resource "rack_pikvm_msd_drive" "test" {
%s
}
`, filepath.Join(dir, "installer.iso"), filepath.Join(dir, "flash.img"), body)
}

func TestAccPiKVMMSDDrive_lifecycle(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "installer.iso"), strings.Repeat("iso", 1000))
	writeFile(t, filepath.Join(dir, "flash.img"), strings.Repeat("img", 1000))
	check := func(attr string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(driveAddr, tfjsonpath.New(attr), v)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{ // insert the ISO as a CD-ROM and connect it; rw asked for but forced off
				Config: driveConfig(k, dir, `  image = rack_pikvm_msd_image.iso.name
  rw    = true`),
				ConfigStateChecks: []statecheck.StateCheck{
					check("image", knownvalue.StringExact("installer.iso")),
					check("connected", knownvalue.Bool(true)),
					check("cdrom", knownvalue.Bool(true)),
					check("rw", knownvalue.Bool(true)),
					check("effective_rw", knownvalue.Bool(false)),
				},
			},
			{
				Config: driveConfig(k, dir, `  image = rack_pikvm_msd_image.iso.name
  rw    = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // swap to a writable flash image: disconnect, set, connect
				Config: driveConfig(k, dir, `  image = rack_pikvm_msd_image.flash.name
  cdrom = false
  rw    = true`),
				ConfigStateChecks: []statecheck.StateCheck{
					check("image", knownvalue.StringExact("flash.img")),
					check("effective_rw", knownvalue.Bool(true)),
					check("connected", knownvalue.Bool(true)),
				},
			},
			{ // disconnected by hand: drift, reconnected
				PreConfig: func() { mustDisconnect(t, k) },
				Config: driveConfig(k, dir, `  image = rack_pikvm_msd_image.flash.name
  cdrom = false
  rw    = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(driveAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{check("connected", knownvalue.Bool(true))},
			},
			{
				ResourceName:    driveAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "kvm1",
				Config: driveConfig(k, dir, `  image = rack_pikvm_msd_image.flash.name
  cdrom = false
  rw    = true`),
			},
			{ // eject: no image, so not connected
				Config: driveConfig(k, dir, ``),
				ConfigStateChecks: []statecheck.StateCheck{
					check("image", knownvalue.Null()),
					check("connected", knownvalue.Bool(false)),
				},
			},
		},
	})
}

func mustDisconnect(t *testing.T, k *acctest.KVMDHost) {
	t.Helper()
	c := pikvmClient(t, k)
	if err := c.SetConnected(t.Context(), false); err != nil {
		t.Fatal(err)
	}
}

func TestAccPiKVMMSDDrive_errors(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	t.Run("connectedWithoutImage", func(t *testing.T) {
		k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      k.ProviderConfig("") + "resource \"rack_pikvm_msd_drive\" \"test\" {\n  connected = true\n}\n",
				PlanOnly:    true,
				ExpectError: acctest.DiagRE(`Nothing to Connect.*needs an image`),
			}},
		})
	})
	t.Run("unknownImage", func(t *testing.T) {
		// The diagnostic blames the image, not the drive, and says how to upload it.
		k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: k.ProviderConfig("") + "resource \"rack_pikvm_msd_drive\" \"test\" {\n  image = \"nope.iso\"\n}\n",
				ExpectError: acctest.DiagRE(`Unable to Set Up the MSD Drive.*MSD image "nope.iso" of PiKVM "kvm1" was not found\.` +
					`.*Upload the image first: a rack_pikvm_msd_image resource.*rack_pikvm_msd data source lists the images` +
					`.*the storage holds no images`),
			}},
		})
	})
	t.Run("unknownImageKeepsTheDrive", func(t *testing.T) {
		// Asking for an image that is not there changes nothing: the host
		// keeps the medium it has.
		k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
		src := filepath.Join(t.TempDir(), "installer.iso")
		writeFile(t, src, "iso")
		cfg := func(image string) string {
			return k.ProviderConfig("") + fmt.Sprintf(`
resource "rack_pikvm_msd_image" "iso" {
  name   = "installer.iso"
  source = %q
}

resource "rack_pikvm_msd_drive" "test" {
  image      = %s
  depends_on = [rack_pikvm_msd_image.iso]
}
`, src, image)
		}
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{Config: cfg(`rack_pikvm_msd_image.iso.name`)},
				{
					Config: cfg(`"typo.iso"`),
					ExpectError: acctest.DiagRE(`Unable to Change the MSD Drive.*MSD image "typo.iso" of PiKVM "kvm1" was not found` +
						`.*the storage holds "installer.iso"`),
				},
				{
					Config: cfg(`rack_pikvm_msd_image.iso.name`),
					Check: func(*terraform.State) error {
						m, err := pikvmClient(t, k).MSD(t.Context())
						if err != nil {
							return err
						}
						if m.SelectedImage() != "installer.iso" || !m.Connected() {
							return fmt.Errorf("drive holds %q, connected %v: want installer.iso still connected", m.SelectedImage(), m.Connected())
						}
						return nil
					},
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		})
	})
	t.Run("offline", func(t *testing.T) {
		k := acctest.StartKVMD(t, mockhost.KVMDOptions{MSDOffline: true})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      k.ProviderConfig("") + "resource \"rack_pikvm_msd_drive\" \"test\" {\n  image = \"x.iso\"\n}\n",
				ExpectError: acctest.DiagRE(`Unable to Set Up the MSD Drive.*MsdOfflineError.*offline`),
			}},
		})
	})
}

// A new ISO replaces the image, which empties the drive; with
// replace_triggered_by the drive is set up again in the same apply.
func TestAccPiKVMMSDDrive_followsReplacedImage(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
	src := filepath.Join(t.TempDir(), "boot.iso")
	cfg := k.ProviderConfig("") + fmt.Sprintf(`
resource "rack_pikvm_msd_image" "iso" {
  name   = "boot.iso"
  source = %q
}

resource "rack_pikvm_msd_drive" "test" {
  image = rack_pikvm_msd_image.iso.name
  lifecycle {
    replace_triggered_by = [rack_pikvm_msd_image.iso]
  }
}
`, src)
	inserted := func(s *terraform.State) error {
		m, err := pikvmClient(t, k).MSD(t.Context())
		if err != nil {
			return err
		}
		if m.SelectedImage() != "boot.iso" || !m.Connected() {
			return fmt.Errorf("drive holds %q, connected %v: want boot.iso connected", m.SelectedImage(), m.Connected())
		}
		return nil
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{PreConfig: func() { writeFile(t, src, "first iso") }, Config: cfg, Check: inserted},
			{
				PreConfig: func() { writeFile(t, src, "second iso") },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("rack_pikvm_msd_image.iso", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction(driveAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: inserted,
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}
