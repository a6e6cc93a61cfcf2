package incus

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

func wantNotFound(t *testing.T, err error, object string) {
	t.Helper()
	var nf *clienterr.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v (%T), want a NotFoundError", err, err)
	}
	if nf.Object != object {
		t.Fatalf("object = %s, want %s", nf.Object, object)
	}
	if !strings.Contains(nf.Hint, "incus image list") {
		t.Fatalf("hint %q does not say how to list images", nf.Hint)
	}
}

func TestResolveImageOwnRemote(t *testing.T) {
	m, c := startMock(t)
	ctx := context.Background()
	fp := m.AddImage("debian", "debian")
	m.CopyImage(fp, "container", false, "debian/12") // a second alias, with a "/"
	m.CopyImage(strings.Repeat("ab", 32), "virtual-machine", false, "vm-only")
	m.CopyImage(strings.Repeat("ab", 31)+"cd", "container", false)

	for _, ref := range []string{"debian", "debian/12", fp, fp[:12], "m:debian"} {
		before := m.Requests()
		got, err := c.ResolveImage(ctx, Scope{}, ParseImage(ref), "container", "x86_64")
		if err != nil || got != fp {
			t.Fatalf("%s: got %q, %v; want %s", ref, got, err, fp)
		}
		if n := m.Requests() - before; n != 1 {
			t.Fatalf("%s: %d requests, want 1", ref, n)
		}
	}

	_, err := c.ResolveImage(ctx, Scope{}, ParseImage("nope"), "", "")
	wantNotFound(t, err, `image alias "nope" (project "default", remote "m")`)
	_, err = c.ResolveImage(ctx, Scope{}, ParseImage("0123456789ab"), "", "")
	wantNotFound(t, err, `image "0123456789ab" (project "default", remote "m")`)
	_, err = c.ResolveImage(ctx, Scope{}, ParseImage("vm-only"), "container", "")
	wantNotFound(t, err, `image alias "vm-only" (project "default", remote "m")`)
	if got, err := c.ResolveImage(ctx, Scope{}, ParseImage("vm-only"), "virtual-machine", ""); err != nil || got != strings.Repeat("ab", 32) {
		t.Fatalf("vm alias: %q, %v", got, err)
	}
	// A prefix of two images: incusd refuses it (HTTP 500), not a not-found.
	_, err = c.ResolveImage(ctx, Scope{}, ParseImage(strings.Repeat("ab", 6)), "", "")
	var v *clienterr.ValidationError
	if !errors.As(err, &v) || !strings.Contains(v.Message, "More than one image matches") {
		t.Fatalf("ambiguous prefix: %v", err)
	}
	// A private remote that is not the instance's own cannot serve images.
	c.remotes["other"] = Remote{Name: "other", Address: "https://127.0.0.1:1"}
	if _, err := c.ResolveImage(ctx, Scope{}, ParseImage("other:debian"), "", ""); !errors.As(err, &v) || !strings.Contains(v.Message, "public image server") {
		t.Fatalf("private remote: %v", err)
	}
}

// A failed create names the missing image, and keeps the failed operation.
func TestCreateInstanceNamesMissingImage(t *testing.T) {
	_, c := startMock(t)
	_, err := c.CreateInstance(context.Background(), Scope{}, InstanceSpec{Name: "web", Image: ImageSource{Name: "nope"}})
	wantNotFound(t, err, `image "nope" (project "default", remote "m")`)
	var op *clienterr.OperationError
	if !errors.As(err, &op) || op.OperationID == "" {
		t.Fatalf("the failed operation is not kept: %v", err)
	}
}

func TestResolveImagePublicIncusServer(t *testing.T) {
	_, c := startMock(t)
	pub, _ := startMock(t)
	url, cert, err := pub.ServeTLS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fp := strings.Repeat("12", 32)
	pub.CopyImage(fp, "container", true, "debian/12")
	pub.CopyImage(strings.Repeat("34", 32), "container", false, "private")
	pub.CopyImage(strings.Repeat("56", 32), "container", true, "123456789abcdef") // an alias that looks like a fingerprint
	c.remotes["images"] = Remote{Name: "images", Address: url, ServerCert: cert, Public: true, Protocol: "incus"}
	ctx := context.Background()

	for ref, want := range map[string]string{
		"images:debian/12":       fp,
		"images:" + fp[:12]:      fp,
		"images:123456789abcdef": strings.Repeat("56", 32), // the alias wins, as on create
	} {
		got, err := c.ResolveImage(ctx, Scope{}, ParseImage(ref), "container", "x86_64")
		if err != nil || got != want {
			t.Fatalf("%s: got %q, %v; want %s", ref, got, err, want)
		}
	}
	_, err = c.ResolveImage(ctx, Scope{}, ParseImage("images:private"), "container", "")
	wantNotFound(t, err, `image alias "private" (remote "images")`)
	_, err = c.ResolveImage(ctx, Scope{}, ParseImage("images:"+strings.Repeat("34", 8)), "container", "")
	wantNotFound(t, err, `image "3434343434343434" (remote "images")`)

	_ = pub.Close()
	_, err = c.ResolveImage(ctx, Scope{}, ParseImage("images:debian/12"), "container", "")
	var conn *clienterr.ConnectionError
	if !errors.As(err, &conn) {
		t.Fatalf("server down: %v (%T), want a ConnectionError", err, err)
	}
}

// A simplestreams index (a trimmed copy of the shape images.linuxcontainers.org
// serves): debian/12 as a container for two architectures and two builds,
// and as a VM.
const streamIndex = `{"format":"index:1.0","index":{"images":{"datatype":"image-downloads","path":"streams/v1/images.json","format":"products:1.0",
 "products":["debian:12:amd64:default","debian:12:arm64:default"]}}}`

const streamProducts = `{"content_id":"images","datatype":"image-downloads","format":"products:1.0","products":{
 "debian:12:amd64:default":{"aliases":"debian/12,debian/bookworm","arch":"amd64","os":"Debian","release":"12","release_title":"bookworm","versions":{
  "20240102_05:24":{"items":{
   "incus.tar.xz":{"ftype":"incus.tar.xz","path":"images/n/incus.tar.xz","sha256":"aa","size":1,
     "combined_squashfs_sha256":"c0ffee000000000000000000000000000000000000000000000000000000a2","combined_disk-kvm-img_sha256":"7e0000000000000000000000000000000000000000000000000000000000a2"},
   "root.squashfs":{"ftype":"squashfs","path":"images/n/rootfs.squashfs","sha256":"bb","size":1},
   "disk.qcow2":{"ftype":"disk-kvm.img","path":"images/n/disk.qcow2","sha256":"cc","size":1}}},
  "20240101_05:24":{"items":{
   "incus.tar.xz":{"ftype":"incus.tar.xz","path":"images/o/incus.tar.xz","sha256":"dd","size":1,"combined_squashfs_sha256":"c0ffee000000000000000000000000000000000000000000000000000000a1"},
   "root.squashfs":{"ftype":"squashfs","path":"images/o/rootfs.squashfs","sha256":"ee","size":1}}}}},
 "debian:12:arm64:default":{"aliases":"debian/12,debian/bookworm","arch":"arm64","os":"Debian","release":"12","release_title":"bookworm","versions":{
  "20240102_05:24":{"items":{
   "incus.tar.xz":{"ftype":"incus.tar.xz","path":"images/a/incus.tar.xz","sha256":"ff","size":1,"combined_squashfs_sha256":"a4a400000000000000000000000000000000000000000000000000000000a2"},
   "root.squashfs":{"ftype":"squashfs","path":"images/a/rootfs.squashfs","sha256":"99","size":1}}}}}}}`

func TestResolveImageSimpleStreams(t *testing.T) {
	fail := false
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case fail:
			http.Error(w, "gone", http.StatusNotFound)
		case r.URL.Path == "/streams/v1/index.json":
			_, _ = w.Write([]byte(streamIndex))
		case r.URL.Path == "/streams/v1/images.json":
			_, _ = w.Write([]byte(streamProducts))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	cert := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	_, c := startMock(t)
	c.remotes["images"] = Remote{Name: "images", Address: srv.URL, ServerCert: cert, Public: true, Protocol: "simplestreams"}
	ctx := context.Background()

	// Plans run in parallel: one client serves them all at once.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.ResolveImage(ctx, Scope{}, ParseImage("images:debian/12"), "container", "x86_64"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	cases := []struct{ ref, typ, arch, want string }{
		{"images:debian/12", "container", "x86_64", "c0ffee000000000000000000000000000000000000000000000000000000a2"}, // the newest build
		{"images:debian/bookworm", "container", "aarch64", "a4a400000000000000000000000000000000000000000000000000000000a2"},
		{"images:debian/12", "virtual-machine", "x86_64", "7e0000000000000000000000000000000000000000000000000000000000a2"},
		{"images:debian/12/amd64", "container", "x86_64", "c0ffee000000000000000000000000000000000000000000000000000000a2"},
		{"images:c0ffee000000000000000000000000000000000000000000000000000000a1", "container", "x86_64", "c0ffee000000000000000000000000000000000000000000000000000000a1"},
		{"images:7e0000000000", "virtual-machine", "", "7e0000000000000000000000000000000000000000000000000000000000a2"},
	}
	for _, tc := range cases {
		got, err := c.ResolveImage(ctx, Scope{}, ParseImage(tc.ref), tc.typ, tc.arch)
		if err != nil || got != tc.want {
			t.Fatalf("%s (%s, %s): got %q, %v; want %s", tc.ref, tc.typ, tc.arch, got, err, tc.want)
		}
	}

	_, err := c.ResolveImage(ctx, Scope{}, ParseImage("images:debian/99"), "container", "x86_64")
	wantNotFound(t, err, `image alias "debian/99" (remote "images", container, x86_64)`)
	_, err = c.ResolveImage(ctx, Scope{}, ParseImage("images:debian/12"), "virtual-machine", "aarch64")
	wantNotFound(t, err, `image alias "debian/12" (remote "images", virtual-machine, aarch64)`)
	_, err = c.ResolveImage(ctx, Scope{}, ParseImage("images:c0ffee000000"), "container", "")
	var v *clienterr.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("ambiguous prefix: %v", err)
	}

	// An index that cannot be read is not a missing alias.
	fail = true
	c2 := &Client{remotes: c.remotes, defaultRemote: c.defaultRemote, conns: map[string]*connection{}, imageConns: map[string]*imageConnection{}, logger: c.logger}
	_, err = c2.ResolveImage(ctx, Scope{}, ParseImage("images:debian/12"), "container", "x86_64")
	if err == nil || IsNotFound(err) {
		t.Fatalf("unreadable index: %v, want an error other than not found", err)
	}
	srv.Close()
	c3 := &Client{remotes: c.remotes, defaultRemote: c.defaultRemote, conns: map[string]*connection{}, imageConns: map[string]*imageConnection{}, logger: c.logger}
	_, err = c3.ResolveImage(ctx, Scope{}, ParseImage("images:debian/12"), "container", "x86_64")
	var conn *clienterr.ConnectionError
	if !errors.As(err, &conn) {
		t.Fatalf("server down: %v (%T), want a ConnectionError", err, err)
	}
}
