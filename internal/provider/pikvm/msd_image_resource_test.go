package pikvm_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
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

const imageAddr = "rack_pikvm_msd_image.test"

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

func imageConfig(k *acctest.KVMDHost, name, source string) string {
	return k.ProviderConfig("") + fmt.Sprintf(`
resource "rack_pikvm_msd_image" "test" {
  name   = %q
  source = %q
}
`, name, source)
}

func uploaded(k *acctest.KVMDHost, name, sum string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := k.Fake.ImageSHA256(name); got != sum {
			return fmt.Errorf("image %s on the device has sha256 %q, want %q", name, got, sum)
		}
		return nil
	}
}

func TestAccPiKVMMSDImage_lifecycle(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
	dir := t.TempDir()
	src := filepath.Join(dir, "installer.iso")
	moved := filepath.Join(dir, "moved.iso")
	v1 := writeFile(t, src, strings.Repeat("version one ", 100000))

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if names := k.Fake.ImageNames(); len(names) != 0 {
				return fmt.Errorf("images left after destroy: %v", names)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: imageConfig(k, "installer.iso", src),
				Check:  uploaded(k, "installer.iso", v1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(imageAddr, tfjsonpath.New("content_sha256"), knownvalue.StringExact(v1)),
					statecheck.ExpectKnownValue(imageAddr, tfjsonpath.New("size"), knownvalue.Int64Exact(1200000)),
					statecheck.ExpectKnownValue(imageAddr, tfjsonpath.New("id"), knownvalue.StringExact("kvm1:installer.iso")),
				},
			},
			{ // unchanged file: empty plan
				Config:           imageConfig(k, "installer.iso", src),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ // the same content elsewhere: updated in place, not uploaded again
				PreConfig: func() { writeFile(t, moved, strings.Repeat("version one ", 100000)) },
				Config:    imageConfig(k, "installer.iso", moved),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(imageAddr, plancheck.ResourceActionUpdate),
				}},
			},
			{ // new content: replaced (remove, upload)
				PreConfig: func() { writeFile(t, moved, strings.Repeat("version two ", 100000)) },
				Config:    imageConfig(k, "installer.iso", moved),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(imageAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(s *terraform.State) error {
					sum := sha256.Sum256([]byte(strings.Repeat("version two ", 100000)))
					return uploaded(k, "installer.iso", hex.EncodeToString(sum[:]))(s)
				},
			},
			{ // removed by hand: dropped from state, uploaded again
				PreConfig: func() { k.Fake.RemoveImage("installer.iso") },
				Config:    imageConfig(k, "installer.iso", moved),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(imageAddr, plancheck.ResourceActionCreate),
				}},
			},
			{
				ResourceName:    imageAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "kvm1:installer.iso@" + moved,
				Config:          imageConfig(k, "installer.iso", moved),
			},
		},
	})
}

func TestAccPiKVMMSDImage_errors(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "disk.img")
	writeFile(t, src, strings.Repeat("x", 1<<20))

	t.Run("interruptedUploadIsCleanedUp", func(t *testing.T) {
		k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
		// The connection drops mid-upload, and kvmd does not notice in time
		// to remove the partial image itself.
		k.Fake.InjectFault(mockhost.Fault{Method: "POST", PathPrefix: "/api/msd/write", Drop: true, Times: 1})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      imageConfig(k, "disk.img", src),
				ExpectError: acctest.DiagRE(`Unable to Upload MSD Image.*Could not talk to http://127.0.0.1`),
			}},
		})
		if names := k.Fake.ImageNames(); len(names) != 0 {
			t.Fatalf("images left behind: %v", names)
		}
	})
	t.Run("exists", func(t *testing.T) {
		k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{Config: imageConfig(k, "disk.img", src)},
				{
					Config: imageConfig(k, "disk.img", src) + `
resource "rack_pikvm_msd_image" "twin" {
  name   = "disk.img"
  source = rack_pikvm_msd_image.test.source
}
`,
					ExpectError: acctest.DiagRE(`MsdImageExistsError: This image is already exists`),
				},
			},
		})
	})
	t.Run("offline", func(t *testing.T) {
		k := acctest.StartKVMD(t, mockhost.KVMDOptions{MSDOffline: true})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      imageConfig(k, "disk.img", src),
				ExpectError: acctest.DiagRE(`Unable to Upload MSD Image.*MsdOfflineError: MSD is not found`),
			}},
		})
	})
	t.Run("planTime", func(t *testing.T) {
		k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{
				{Config: imageConfig(k, "../etc/passwd", src), PlanOnly: true, ExpectError: acctest.DiagRE(`must be a plain file name`)},
				{Config: imageConfig(k, "a.iso", filepath.Join(dir, "missing.iso")), PlanOnly: true,
					ExpectError: acctest.DiagRE(`Cannot Read the Image Source.*missing.iso: no such file`)},
			},
		})
		if k.Fake.Requests() != 0 {
			t.Fatalf("plan-time validation sent %d requests", k.Fake.Requests())
		}
	})
}
