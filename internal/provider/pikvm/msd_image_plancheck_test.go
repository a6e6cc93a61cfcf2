package pikvm_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// rewriteFile is not a check: run among a step's PreApply plan checks, it
// changes the file after `terraform plan -out` and before `terraform apply`
// of that saved plan (terraform-plugin-testing runs them in between).
type rewriteFile struct{ path, content string }

func (r rewriteFile) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = os.WriteFile(r.path, []byte(r.content), 0o600)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func noImagesLeft(k *acctest.KVMDHost) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if names := k.Fake.ImageNames(); len(names) != 0 {
			return fmt.Errorf("images left after destroy: %v", names)
		}
		return nil
	}
}

// A source file that changes between `terraform plan -out` and the apply of
// that plan: the plan of a new image does not promise its content (hash and
// size are known after apply), so the apply uploads the file as it is then
// and records exactly what it sent, instead of failing with Terraform's
// "Provider produced inconsistent final plan".
func TestAccPiKVMMSDImage_sourceChangedAfterPlan(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
	dir := t.TempDir()
	src := filepath.Join(dir, "installer.iso")
	moved := filepath.Join(dir, "moved.iso")
	v1, v2, v3, v4 := strings.Repeat("one ", 5000), strings.Repeat("two ", 6000), strings.Repeat("three ", 7000), strings.Repeat("four ", 8000)
	writeFile(t, src, v1)

	holds := func(content string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(imageAddr, tfjsonpath.New("content_sha256"), knownvalue.StringExact(sha256Hex(content))),
			statecheck.ExpectKnownValue(imageAddr, tfjsonpath.New("size"), knownvalue.Int64Exact(int64(len(content)))),
		}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             noImagesLeft(k),
		Steps: []resource.TestStep{
			{ // create
				Config: imageConfig(k, "installer.iso", src),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(imageAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectUnknownValue(imageAddr, tfjsonpath.New("content_sha256")),
					plancheck.ExpectUnknownValue(imageAddr, tfjsonpath.New("size")),
					rewriteFile{src, v2},
				}},
				Check:             uploaded(k, "installer.iso", sha256Hex(v2)),
				ConfigStateChecks: holds(v2),
			},
			{ // replace: the plan is made for v3, the file holds v4 at apply
				PreConfig: func() { writeFile(t, src, v3) },
				Config:    imageConfig(k, "installer.iso", src),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(imageAddr, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectUnknownValue(imageAddr, tfjsonpath.New("content_sha256")),
					rewriteFile{src, v4},
				}},
				Check:             uploaded(k, "installer.iso", sha256Hex(v4)),
				ConfigStateChecks: holds(v4),
			},
			{ // the same content at a new path: updated in place; the hash stays known
				PreConfig: func() { writeFile(t, moved, v4) },
				Config:    imageConfig(k, "installer.iso", moved),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(imageAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(imageAddr, tfjsonpath.New("content_sha256"), knownvalue.StringExact(sha256Hex(v4))),
				}},
				Check:             uploaded(k, "installer.iso", sha256Hex(v4)),
				ConfigStateChecks: holds(v4),
			},
		},
	})
}

// An empty file is a valid image: kvmd takes its size from Content-Length,
// and 0 is a size (a body without Content-Length is what it refuses).
func TestAccPiKVMMSDImage_emptySource(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
	src := filepath.Join(t.TempDir(), "empty.img")
	writeFile(t, src, "")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             noImagesLeft(k),
		Steps: []resource.TestStep{
			{
				Config:            imageConfig(k, "empty.img", src),
				Check:             uploaded(k, "empty.img", sha256Hex("")),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(imageAddr, tfjsonpath.New("size"), knownvalue.Int64Exact(0))},
			},
			{ // refreshed as complete: nothing to do
				Config:           imageConfig(k, "empty.img", src),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// A file rewritten while it is being sent would leave an image that mixes
// old and new bytes: the image is removed and the apply fails, saying so.
func TestAccPiKVMMSDImage_sourceChangedDuringUpload(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	k := acctest.StartKVMD(t, mockhost.KVMDOptions{})
	src := filepath.Join(t.TempDir(), "disk.img")
	writeFile(t, src, strings.Repeat("a", 8<<20))
	// kvmd takes a second to start reading the body; meanwhile the file
	// is overwritten in place (same size, new mtime).
	k.Fake.InjectFault(mockhost.Fault{Method: "POST", PathPrefix: "/api/msd/write", Latency: time.Second, Times: 1})
	before := k.Fake.Requests() // the apply's first request is the upload (plans send none)
	done := make(chan error, 1)
	go func() {
		deadline := time.Now().Add(time.Minute)
		for k.Fake.Requests() == before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		f, err := os.OpenFile(src, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteAt([]byte(strings.Repeat("b", 8<<20)), 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		done <- err
	}()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      imageConfig(k, "disk.img", src),
			ExpectError: acctest.DiagRE(`Image Source Changed During Upload.*changed while it was being uploaded as "disk.img".*The uploaded image "disk.img" was removed`),
		}},
	})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if names := k.Fake.ImageNames(); len(names) != 0 {
		t.Fatalf("images left behind: %v", names)
	}
}
