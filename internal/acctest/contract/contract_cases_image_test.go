package contract_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// An image case's object is an upload of a small image file made for its
// name: the name is its alias, and the fingerprint (in the import ID) is the
// file's SHA-256. A taken name is that alias held by the same image made out
// of band, whose import ID is then the one the case imports by.

var (
	imageFilesMu  sync.Mutex
	imageFilesDir string
	imageFilesOf  = map[string]acctest.ImageFiles{}
)

// imageFile is the unified tarball of name's image, written once.
func imageFile(name string) (path, fingerprint string) {
	imageFilesMu.Lock()
	defer imageFilesMu.Unlock()
	files, ok := imageFilesOf[name]
	if !ok {
		if imageFilesDir == "" {
			dir, err := os.MkdirTemp("", "rack-contract-images-")
			if err != nil {
				panic(err)
			}
			imageFilesDir = dir
		}
		var err error
		if files, err = acctest.WriteImage(imageFilesDir, name, 0); err != nil {
			panic(err)
		}
		imageFilesOf[name] = files
	}
	f, err := os.Open(files.Unified)
	if err != nil {
		panic(err)
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	_, _ = io.Copy(h, f)
	return files.Unified, hex.EncodeToString(h.Sum(nil))
}

func uploadImage(t *testing.T, c incusclient.InstanceServer, name string) {
	t.Helper()
	path, fp := imageFile(name)
	f, err := os.Open(path) //nolint:gosec // the test's own file
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	op, err := c.CreateImage(api.ImagesPost{}, &incusclient.ImageCreateArgs{MetaFile: f, MetaName: "image.tar"})
	if err == nil {
		// Not op.Wait: an upload's operation waits on the events
		// websocket, which the mock does not serve.
		_, _, err = c.GetOperationWait(op.Get().ID, 60)
	}
	if err != nil {
		t.Fatalf("uploading image %s out of band: %v", name, err)
	}
	alias := api.ImageAliasesPost{}
	alias.Name, alias.Target = name, fp
	if err := c.CreateImageAlias(alias); err != nil {
		t.Fatalf("creating image alias %s out of band: %v", name, err)
	}
	t.Cleanup(func() {
		if op, err := c.DeleteImage(fp); err == nil {
			_ = op.Wait()
		}
	})
}

func init() {
	cases["rack_incus_image"] = Case{
		Incus:   true,
		Address: "rack_incus_image.test",
		Config: func(_ *Env, name string) string {
			path, _ := imageFile(name)
			return fmt.Sprintf(`
resource "rack_incus_image" "test" {
  remote      = "test"
  source_file = { data_path = %q }
  aliases     = [%q]
  description = "contract"
}
`, path, name)
		},
		ImportID: func(_ *Env, name string) string {
			_, fp := imageFile(name)
			return "test:default/" + fp
		},
		// Which source made an image is not known after an import.
		ImportIgnore: []string{"source_file", "source_image", "source_instance"},
		TakeName:     func(t *testing.T, env *Env, name string) { uploadImage(t, env.Incus.Client, name) },
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			_, fp := imageFile(name)
			op, err := env.Incus.Client.DeleteImage(fp)
			if err == nil {
				err = op.Wait()
			}
			if err != nil {
				t.Fatalf("deleting image %s out of band: %v", fp, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, fp := imageFile(name)
			_, _, err := env.Incus.Client.GetImage(fp)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/images"},
		Identity: func(_ *Env, name string) map[string]string {
			sum := sha256.Sum256([]byte(name))
			return map[string]string{"fingerprint": hex.EncodeToString(sum[:]), "remote": "test", "project": "default"}
		},
	}
}
