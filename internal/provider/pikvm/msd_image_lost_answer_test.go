package pikvm_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// kvmd stores the whole upload, then the connection breaks before its answer
// reaches the provider (a PiKVM rebooting, a proxy timing out). The image is
// on the device, complete; removeIncomplete leaves complete images alone and
// Create records nothing, so it is orphaned, and the next apply fails with
// "already exists". The PiKVM fault matrix drops connections only before
// kvmd handles the request, so it never sees this.
func TestAccPiKVMMSDImage_uploadAnswerLostLeavesNoOrphan(t *testing.T) {
	k := acctest.StartKVMD(t, fastHost())
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "installer.iso"), strings.Repeat("iso", 4096))
	cfg := k.ProviderConfig("") + "resource \"rack_pikvm_msd_image\" \"iso\" {\n  name   = \"installer.iso\"\n  source = \"" + filepath.Join(dir, "installer.iso") + "\"\n}\n"
	var orphans atomic.Int64
	check := imagesMatchState(k, &orphans)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					// Once kvmd has stored the image, abort the answer (net/http
					// closes the connection; the small answer is still buffered).
					k.Fake.InjectFault(mockhost.Fault{Method: "POST", PathPrefix: "/api/msd/write", Times: 1, HookAfter: true,
						Hook: func() { panic(http.ErrAbortHandler) }})
				},
				Config:      cfg,
				ExpectError: acctest.DiagRE(`Could not talk to`),
			},
			{RefreshState: true, ExpectNonEmptyPlan: true, Check: check},
			{Config: cfg, Check: check},
		},
	})
}
