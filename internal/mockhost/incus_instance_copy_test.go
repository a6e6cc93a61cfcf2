package mockhost

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// The fake answers copies, rebuilds and refused live updates with incusd
// 6.0.4's status and text (checked against the real daemon); the same steps
// run against a real incusd when RACK_ACC_INCUS_SOCKET names its socket.
func TestIncusInstanceCopyTexts(t *testing.T) {
	for hostName, socket := range mockAndRealSockets(t) {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			src := "isrc-" + randomHex()[:8]
			t.Cleanup(func() { h.forget(src) })
			h.mustSucceed("POST", "/1.0/instances", fmt.Sprintf(`{"name":%q,"source":{"type":"image","alias":"rack-busybox"},"start":true}`, src))
			runWireSteps(t, h, []wireStep{
				{"POST", "/1.0/instances", `{"name":"x1","source":{"type":"copy"}}`, 400, "Must specify a source instance"},
				{"POST", "/1.0/instances", `{"name":"x1","source":{"type":"copy","source":"nosuch"}}`, 404,
					`Failed to fetch instance "nosuch" in project "default": Instance not found`},
				{"POST", "/1.0/instances", `{"name":"x1","source":{"type":"copy","source":"nosuch/snap0"}}`, 404,
					`Failed to fetch instance "nosuch/snap0" in project "default": Instance not found`},
				{"POST", "/1.0/instances", `{"name":"x1","source":{"type":"copy","source":"nosuch","project":"nope"}}`, 404,
					`Failed to fetch instance "nosuch" in project "nope": Instance not found`},
				{"POST", "/1.0/instances", fmt.Sprintf(`{"name":"x1","source":{"type":"copy","source":"%s/nosnap"}}`, src), 404,
					fmt.Sprintf(`Failed to fetch snapshot "nosnap" of instance %q in project "default": Instance_snapshot not found`, src)},
				{"POST", "/1.0/instances/" + src + "/rebuild", `{"source":{"type":"image","alias":"rack-busybox"}}`, 400, "Instance must be stopped to be rebuilt"},
				{"POST", "/1.0/instances/nosuch/rebuild", `{"source":{"type":"image","alias":"rack-busybox"}}`, 404, "Failed loading instance: Instance not found"},
			})
			h.mustSucceed("PUT", "/1.0/instances/"+src+"/state", `{"action":"stop","force":true}`)
			// A stopped instance and an unknown image: the operation fails.
			status, env := h.do("POST", "/1.0/instances/"+src+"/rebuild", `{"source":{"type":"image","alias":"nosuch"}}`)
			var op struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(env.Metadata, &op)
			if status != 202 || op.ID == "" {
				t.Fatalf("rebuild from a missing image: HTTP %d %q, want an operation", status, env.Error)
			}
			if _, env := h.do("GET", "/1.0/operations/"+op.ID+"/wait?timeout=30", ""); env.Error != "Image not provided for instance rebuild" {
				t.Errorf("rebuild from a missing image: the operation says %q", env.Error)
			}
			h.mustSucceed("POST", "/1.0/instances/"+src+"/rebuild", `{"source":{"type":"image","alias":"rack-busybox"}}`)
		})
	}
}

// A backup import of something that is not a backup: incusd's status and text.
func TestIncusInstanceBackupImportTexts(t *testing.T) {
	var gzTar bytes.Buffer
	gz := gzip.NewWriter(&gzTar)
	tw := tar.NewWriter(gz)
	_ = tw.WriteHeader(&tar.Header{Name: "notes.txt", Mode: 0o644, Size: 5})
	_, _ = tw.Write([]byte("hello"))
	_ = tw.Close()
	_ = gz.Close()
	for hostName, socket := range mockAndRealSockets(t) {
		t.Run(hostName, func(t *testing.T) {
			for _, c := range []struct {
				body   []byte
				status int
				text   string
			}{
				{gzTar.Bytes(), 400, `Backup is missing at "backup/index.yaml"`},
				{[]byte("hello"), 500, "Unsupported compression"},
			} {
				status, text := postOctets(t, socket, "/1.0/instances", c.body, "isrc-"+randomHex()[:8])
				if status != c.status || text != c.text {
					t.Errorf("import of %d bytes: HTTP %d %q, want %d %q", len(c.body), status, text, c.status, c.text)
				}
			}
		})
	}
}

// postOctets posts body as application/octet-stream with X-Incus-name.
func postOctets(t *testing.T, socket, path string, body []byte, name string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		},
	}}
	req, err := http.NewRequest(http.MethodPost, "http://incus"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Incus-name", name)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var env envelope
	_ = json.NewDecoder(resp.Body).Decode(&env)
	return resp.StatusCode, env.Error
}
