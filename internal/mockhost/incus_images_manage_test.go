package mockhost

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"
)

// tarOf is an uncompressed tarball of files (name -> content; a name
// ending in "/" is a directory).
func tarOf(t *testing.T, files map[string]string, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range order {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if strings.HasSuffix(name, "/") {
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sum(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// waitOp waits for an operation the way the provider does (no events
// websocket: the mock has none).
func waiter(c incusclient.InstanceServer) func(op incusclient.Operation, err error) (*api.Operation, error) {
	return func(op incusclient.Operation, err error) (*api.Operation, error) {
		if err != nil {
			return nil, err
		}
		got, _, err := c.GetOperationWait(op.Get().ID, 60)
		if err != nil {
			// A failed operation: read it for its error.
			if again, _, gerr := c.GetOperation(op.Get().ID); gerr == nil {
				return again, fmt.Errorf("%s", again.Err)
			}
		}
		return got, err
	}
}

// TestIncusImageTexts: uploads (unified and split, fingerprint as incusd
// computes it), publish, aliases and deletes answer as incusd 6.0.4 does;
// the same steps run against the real daemon when RACK_ACC_INCUS_SOCKET is set.
func TestIncusImageTexts(t *testing.T) {
	for hostName, socket := range mockAndRealSockets(t) {
		t.Run(hostName, func(t *testing.T) {
			c, err := incusclient.ConnectIncusUnix(socket, &incusclient.ConnectionArgs{SkipGetEvents: true})
			if err != nil {
				t.Fatal(err)
			}
			waitOp := waiter(c)
			unique := "rack-wire-" + randomHex()
			meta := fmt.Sprintf("architecture: x86_64\ncreation_date: %d\nproperties:\n  description: %s\n", time.Now().Unix(), unique)
			unified := tarOf(t, map[string]string{"metadata.yaml": meta, "rootfs/": "", "rootfs/id": unique}, "metadata.yaml", "rootfs/", "rootfs/id")
			metaTar := tarOf(t, map[string]string{"metadata.yaml": meta}, "metadata.yaml")
			rootfsTar := tarOf(t, map[string]string{"id": unique + "-split"}, "id")
			fpUnified, fpSplit := sum(unified), sum(metaTar, rootfsTar)
			t.Cleanup(func() {
				for _, fp := range []string{fpUnified, fpSplit} {
					_, _ = waitOp(c.DeleteImage(fp))
				}
			})

			// Unified: the body is the tarball.
			got, err := waitOp(c.CreateImage(api.ImagesPost{}, &incusclient.ImageCreateArgs{MetaFile: bytes.NewReader(unified), MetaName: "u.tar"}))
			if err != nil {
				t.Fatalf("unified upload: %v", err)
			}
			if fp, _ := got.Metadata["fingerprint"].(string); fp != fpUnified {
				t.Errorf("unified upload: operation says fingerprint %q, want %s", fp, fpUnified)
			}
			img, _, err := c.GetImage(fpUnified)
			if err != nil {
				t.Fatal(err)
			}
			if img.Architecture != "x86_64" || img.Properties["description"] != unique || img.Size != int64(len(unified)) {
				t.Errorf("unified image: %+v", img)
			}
			// The same again: refused in the operation.
			if _, err := waitOp(c.CreateImage(api.ImagesPost{}, &incusclient.ImageCreateArgs{MetaFile: bytes.NewReader(unified), MetaName: "u.tar"})); err == nil ||
				!strings.Contains(err.Error(), "Image with same fingerprint already exists") {
				t.Errorf("second upload: %v", err)
			}

			// Split: multipart metadata + rootfs; fingerprint over both.
			if _, err := waitOp(c.CreateImage(api.ImagesPost{}, &incusclient.ImageCreateArgs{
				MetaFile: bytes.NewReader(metaTar), MetaName: "m.tar", RootfsFile: bytes.NewReader(rootfsTar), RootfsName: "r.tar",
			})); err != nil {
				t.Fatalf("split upload: %v", err)
			}
			if _, _, err := c.GetImage(fpSplit); err != nil {
				t.Errorf("split image %s: %v", fpSplit, err)
			}

			// Not an image.
			if _, err := waitOp(c.CreateImage(api.ImagesPost{}, &incusclient.ImageCreateArgs{MetaFile: strings.NewReader("hello, not an image\n"), MetaName: "x"})); err == nil ||
				err.Error() != "Unsupported compression" {
				t.Errorf("garbage upload: %v", err)
			}

			// Aliases.
			alias := api.ImageAliasesPost{}
			alias.Name, alias.Target = unique, fpUnified
			if err := c.CreateImageAlias(alias); err != nil {
				t.Fatal(err)
			}
			alias.Target = fpSplit
			if err := c.CreateImageAlias(alias); err == nil || !api.StatusErrorCheck(err, 409) || err.Error() != fmt.Sprintf("Alias %q already exists", unique) {
				t.Errorf("taken alias: %v", err)
			}

			// Update: PUT replaces the properties; a stale ETag is refused.
			img, etag, _ := c.GetImage(fpUnified)
			put := img.Writable()
			put.Properties = map[string]string{"description": "changed"}
			put.Public = true
			if err := c.UpdateImage(fpUnified, put, etag); err != nil {
				t.Fatal(err)
			}
			img, _, _ = c.GetImage(fpUnified)
			if !img.Public || len(img.Properties) != 1 || img.Properties["description"] != "changed" {
				t.Errorf("after PUT: public %v, properties %v", img.Public, img.Properties)
			}
			if err := c.UpdateImage(fpUnified, put, etag); err == nil || !api.StatusErrorCheck(err, 412) {
				t.Errorf("stale ETag: %v", err)
			}

			// Publish of a missing instance fails in the operation.
			missing := "rack-nosuch-" + randomHex()
			req := api.ImagesPost{Source: &api.ImagesPostSource{Type: "instance", Name: missing}}
			if _, err := waitOp(c.CreateImage(req, nil)); err == nil ||
				err.Error() != fmt.Sprintf("Failed to fetch instance %q in project \"default\": Instance not found", missing) {
				t.Errorf("publish of a missing instance: %v", err)
			}

			// Delete: an operation; the alias goes with the image; a gone image is 404.
			if _, err := waitOp(c.DeleteImage(fpUnified)); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.GetImageAlias(unique); err == nil {
				t.Error("the alias outlived its image")
			}
			if _, err := c.DeleteImage(fpUnified); err == nil || !api.StatusErrorCheck(err, 404) || err.Error() != "Image not found" {
				t.Errorf("delete of a gone image: %v", err)
			}
			if _, _, err := c.GetImage(fpUnified); err == nil || err.Error() != fmt.Sprintf("Image %q not found", fpUnified) {
				t.Errorf("get of a gone image: %v", err)
			}
		})
	}
}

// TestIncusImagePublishAndPull: the mock publishes a stopped instance
// (refusing a running one) and pulls a public image from another mock's
// HTTPS image server.
func TestIncusImagePublishAndPull(t *testing.T) {
	dir := t.TempDir()
	m, err := StartIncus(filepath.Join(dir, "a.sock"), "rack-busybox")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	pub, err := StartIncus(filepath.Join(dir, "b.sock"), "private")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	url, _, err := pub.ServeTLS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fp := strings.Repeat("ab", 32)
	pub.CopyImage(fp, "container", true, "pub/one")

	c, err := incusclient.ConnectIncusUnix(m.Socket(), &incusclient.ConnectionArgs{SkipGetEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	waitOp := waiter(c)
	inst := api.InstancesPost{Name: "src", Source: api.InstanceSource{Type: "image", Alias: "rack-busybox"}, Start: true}
	if _, err := waitOp(c.CreateInstance(inst)); err != nil {
		t.Fatal(err)
	}
	req := api.ImagesPost{Source: &api.ImagesPostSource{Type: "instance", Name: "src"}}
	if _, err := waitOp(c.CreateImage(req, nil)); err == nil || err.Error() != "Cannot export a running instance as an image" {
		t.Errorf("publish of a running instance: %v", err)
	}
	if _, err := waitOp(c.UpdateInstanceState("src", api.InstanceStatePut{Action: "stop", Force: true}, "")); err != nil {
		t.Fatal(err)
	}
	req.Properties = map[string]string{"k": "v"}
	got, err := waitOp(c.CreateImage(req, nil))
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	published, _ := got.Metadata["fingerprint"].(string)
	if img, _, err := c.GetImage(published); err != nil || img.Properties["k"] != "v" {
		t.Errorf("published image %q: %+v, %v", published, img, err)
	}

	pull := api.ImagesPost{Source: &api.ImagesPostSource{Type: "image", Mode: "pull", Fingerprint: fp,
		ImageSource: api.ImageSource{Server: url, Protocol: "incus"}}}
	if _, err := waitOp(c.CreateImage(pull, nil)); err != nil {
		t.Fatalf("pull: %v", err)
	}
	if _, _, err := c.GetImage(fp); err != nil {
		t.Errorf("pulled image: %v", err)
	}
	pull.Source.Server = "https://127.0.0.1:9"
	if _, err := waitOp(c.CreateImage(pull, nil)); err == nil {
		t.Error("a pull from a server that is not there succeeded")
	}
}
