package mockhost

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The file and exec simulations answer as incusd 6.0.4 does: the same
// codes and texts for the same steps, run against a real incusd too when
// RACK_ACC_INCUS_SOCKET names its socket (with the rack-busybox image).
func TestIncusInstanceFilesAndExecTexts(t *testing.T) {
	for hostName, socket := range mockAndRealSockets(t) {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			name := "rack-files-" + randomHex()
			base := "/1.0/instances/" + name
			var wait func(env envelope) envelope
			t.Cleanup(func() {
				_, env := h.do("PUT", base+"/state", `{"action":"stop","force":true}`)
				wait(env)
				_, env = h.do("DELETE", base, "")
				wait(env)
			})
			wait = func(env envelope) envelope {
				t.Helper()
				var op struct {
					ID string `json:"id"`
				}
				_ = json.Unmarshal(env.Metadata, &op)
				_, done := h.do("GET", "/1.0/operations/"+op.ID+"/wait?timeout=30", "")
				return done
			}
			_, env := h.do("POST", "/1.0/instances", `{"name":"`+name+`","source":{"type":"image","alias":"rack-busybox"}}`)
			wait(env)

			// A stopped instance: files work, exec does not.
			file := func(method, path, body string, headers map[string]string) (int, string) {
				t.Helper()
				status, text := rawFile(t, socket, method, base+"/files?path="+path, body, headers)
				return status, text
			}
			for _, s := range []struct {
				method, path, body string
				headers            map[string]string
				status             int
				text               string
			}{
				{"POST", "/tmp/a", "hello", map[string]string{"X-Incus-mode": "0640"}, 200, ""},
				{"GET", "/tmp/a", "", nil, 200, "hello"},
				{"POST", "/etc", "x", nil, 500, `sftp: "open /etc: is a directory" (SSH_FX_FAILURE)`},
				{"POST", "/nope/x", "x", nil, 404, "Not Found"},
				{"GET", "/tmp/none", "", nil, 404, "Not Found"},
				{"DELETE", "/tmp/none", "", nil, 404, "Not Found"},
				{"POST", "/tmp/d", "", map[string]string{"X-Incus-type": "directory"}, 200, ""},
				{"POST", "/tmp/d", "", map[string]string{"X-Incus-type": "directory"}, 200, ""},
				{"POST", "/tmp/d/f", "in", nil, 200, ""},
				{"DELETE", "/tmp/d", "", nil, 500, `sftp: "remove /tmp/d: directory not empty" (SSH_FX_FAILURE)`},
				{"POST", "/tmp/l", "/tmp/a", map[string]string{"X-Incus-type": "symlink"}, 200, ""},
				{"GET", "/tmp/l", "", nil, 200, "/tmp/a"},
				{"DELETE", "/tmp/l", "", nil, 200, ""},
			} {
				status, text := file(s.method, s.path, s.body, s.headers)
				if status != s.status || text != s.text {
					t.Errorf("%s %s: HTTP %d %q, want %d %q", s.method, s.path, status, text, s.status, s.text)
				}
			}
			status, env := h.do("POST", base+"/exec", `{"command":["sh","-c","echo hi"],"wait-for-websocket":false,"record-output":true}`)
			if status != 400 || env.Error != "Instance is not running" {
				t.Errorf("exec on a stopped instance: HTTP %d %q", status, env.Error)
			}

			_, env = h.do("PUT", base+"/state", `{"action":"start"}`)
			wait(env)
			_, env = h.do("POST", base+"/exec", `{"command":["sh","-c","busybox cat /tmp/a; echo oops >&2; exit 3"],"wait-for-websocket":false,"record-output":true}`)
			done := wait(env)
			var op struct {
				Metadata struct {
					Return float64           `json:"return"`
					Output map[string]string `json:"output"`
				} `json:"metadata"`
			}
			_ = json.Unmarshal(done.Metadata, &op)
			if op.Metadata.Return != 3 {
				t.Errorf("exec returned %v, want 3 (%s)", op.Metadata.Return, done.Metadata)
			}
			for fd, want := range map[string]string{"1": "hello", "2": "oops\n"} {
				status, text := rawFile(t, socket, "GET", op.Metadata.Output[fd], "", nil)
				if status != 200 || text != want {
					t.Errorf("output %s: HTTP %d %q, want %q", fd, status, text, want)
				}
				if status, _ := rawFile(t, socket, "DELETE", op.Metadata.Output[fd], "", nil); status != 200 {
					t.Errorf("deleting output %s: HTTP %d", fd, status)
				}
			}
			_, env = h.do("POST", base+"/exec", `{"command":["cloud-init","status","--wait","--long"],"wait-for-websocket":false,"record-output":true}`)
			if done := wait(env); done.Error != "Command not found" {
				t.Errorf("cloud-init on busybox: %q, want Command not found", done.Error)
			}
		})
	}
}

// rawFile sends a request whose answer may be raw bytes (a file) or an
// envelope; it returns the status and the file's content or the error text.
func rawFile(t *testing.T, socket, method, path, body string, headers map[string]string) (int, string) {
	t.Helper()
	c := unixClient(socket)
	req, err := http.NewRequest(method, "http://incus"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Type") == "application/json" {
		var env envelope
		_ = json.Unmarshal(b, &env)
		if env.Code != 0 {
			return env.Code, env.Error
		}
		return resp.StatusCode, ""
	}
	return resp.StatusCode, string(b)
}

func unixClient(socket string) *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		},
	}}
}
