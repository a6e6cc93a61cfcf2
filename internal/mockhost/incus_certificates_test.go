package mockhost

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"
)

// testCertificate makes a client certificate valid from notBefore to notAfter:
// its base64 DER (what POST /1.0/certificates takes), PEM and fingerprint.
func testCertificate(t *testing.T, cn string, notBefore, notAfter time.Time) (b64, certPEM, fp string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), fingerprint(der)
}

// The fake answers trust store requests with incusd 6.0.4's status and
// texts (cmd/incusd/certificates.go); the same steps run against a real
// incusd when RACK_ACC_INCUS_SOCKET names its socket.
func TestIncusCertificates(t *testing.T) {
	now := time.Now()
	good, goodPEM, fp := testCertificate(t, "rack-cn", now.Add(-time.Hour), now.Add(time.Hour))
	expired, _, _ := testCertificate(t, "rack-old", now.Add(-2*time.Hour), now.Add(-time.Hour))
	early, _, _ := testCertificate(t, "rack-new", now.Add(time.Hour), now.Add(2*time.Hour))
	post := func(extra string) string {
		return fmt.Sprintf(`{"type":"client","certificate":"%s"%s}`, good, extra)
	}
	escapedPEM, _ := json.Marshal(goodPEM)
	steps := []scenarioStep{
		{method: "POST", path: "/1.0/certificates", body: post(`,"name":"%[1]s","restricted":true,"projects":["default"],"description":"d"`), status: 201},
		{method: "POST", path: "/1.0/certificates", body: post(`,"name":"%[1]s-2"`), status: 409, text: "Certificate already in trust store"},
		{method: "GET", path: "/1.0/certificates/" + fp, status: 200,
			has: []string{`"name":"%[1]s"`, `"fingerprint":"` + fp + `"`, `"restricted":true`, `"projects":["default"]`, `"description":"d"`, `"certificate":` + strings.ReplaceAll(string(escapedPEM), `\n`, `\n`)}},
		{method: "GET", path: "/1.0/certificates/" + fp[:12], status: 200, has: []string{`"fingerprint":"` + fp + `"`}},
		{method: "GET", path: "/1.0/certificates", status: 200, has: []string{`"/1.0/certificates/` + fp + `"`}},
		{method: "POST", path: "/1.0/certificates", body: `{"type":"client","certificate":"` + expired + `"}`, status: 400, text: "The provided certificate is expired"},
		{method: "POST", path: "/1.0/certificates", body: `{"type":"client","certificate":"` + early + `"}`, status: 400, text: "The provided certificate isn't valid yet"},
		{method: "POST", path: "/1.0/certificates", body: `{"type":"client","certificate":"bm90IGEgY2VydA=="}`, status: 400, text: "Invalid certificate material: *"},
		{method: "POST", path: "/1.0/certificates", body: `{"type":"bogus","certificate":"` + good + `"}`, status: 400, text: "Invalid certificate type"},
		{method: "POST", path: "/1.0/certificates", body: `{"type":"client"}`, status: 400, text: "Client is already trusted"},
		{method: "POST", path: "/1.0/certificates", body: `{"type":"client","token":true,"certificate":"x"}`, status: 400, text: "Can't use certificate if token is requested"},
		{method: "POST", path: "/1.0/certificates", body: `{"type":"metrics","token":true}`, status: 400, text: "Tokens can only be issued for client certificates"},
		{method: "PUT", path: "/1.0/certificates/" + fp, body: `{"name":"x","type":"client"}`, ifMatch: "bad", status: 412, text: "ETag doesn't match: *"},
		{method: "PUT", path: "/1.0/certificates/" + fp, body: `{"name":"x","type":"nope"}`, status: 400, text: "The certificate type cannot be changed"},
		{method: "PUT", path: "/1.0/certificates/" + fp, body: `{"name":"x","type":"metrics"}`, status: 400, text: "The certificate type cannot be changed"},
		{method: "PUT", path: "/1.0/certificates/" + fp, body: `{"name":"%[1]s-b","type":"client","restricted":false,"projects":[],"description":"e"}`, status: 200},
		{method: "GET", path: "/1.0/certificates/" + fp, status: 200, has: []string{`"name":"%[1]s-b"`, `"restricted":false`, `"projects":[]`, `"description":"e"`}},
		{method: "PATCH", path: "/1.0/certificates/" + fp, body: `{"description":"f"}`, status: 200},
		{method: "GET", path: "/1.0/certificates/" + fp, status: 200, has: []string{`"name":"%[1]s-b"`, `"description":"f"`}},
		{method: "DELETE", path: "/1.0/certificates/" + fp, status: 200},
		{method: "GET", path: "/1.0/certificates/" + fp, status: 404, text: "Certificate not found"},
		{method: "DELETE", path: "/1.0/certificates/" + fp, status: 404, text: "Certificate not found"},
	}
	runScenario(t, steps, []string{"DELETE /1.0/certificates/" + fp})
}

// A trust token is a running operation of class "token" until a client
// uses it (which trusts that client under the token's name and ends the
// operation) or it is cancelled. Without an HTTPS listener incusd issues none.
func TestIncusTrustTokens(t *testing.T) {
	dir := t.TempDir()
	m, err := StartIncus(filepath.Join(dir, "s"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	h := &rawIncus{t: t, socket: m.Socket()}
	req := `{"type":"client","token":true,"name":"laptop","projects":["default"],"restricted":true}`
	if status, env := h.do("POST", "/1.0/certificates", req); status != 400 || env.Error != "Can't issue token when server isn't listening on network" {
		t.Fatalf("token without a listener: HTTP %d %q", status, env.Error)
	}
	url, serverPEM, err := m.ServeTLS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	token := func() api.Operation {
		status, env := h.do("POST", "/1.0/certificates", req)
		var op api.Operation
		if status != 202 || json.Unmarshal(env.Metadata, &op) != nil {
			t.Fatalf("token: HTTP %d %q %s", status, env.Error, env.Metadata)
		}
		return op
	}
	op := token()
	add, err := op.ToCertificateAddToken()
	if err != nil || op.Class != "token" || op.StatusCode != api.Running || add.ClientName != "laptop" ||
		len(add.Addresses) != 1 || !strings.HasSuffix(url, add.Addresses[0]) || len(add.Fingerprint) != 64 {
		t.Fatalf("token operation %+v: %+v, %v", op, add, err)
	}
	// A client uses it over HTTPS: it becomes trusted, under the token's name.
	certPEM, keyPEM, err := SelfSignedCertificate("client")
	if err != nil {
		t.Fatal(err)
	}
	c, err := incusclient.ConnectIncus(url, &incusclient.ConnectionArgs{TLSServerCert: serverPEM, TLSClientCert: certPEM, TLSClientKey: keyPEM, SkipGetEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateCertificate(api.CertificatesPost{TrustToken: add.String()}); err != nil {
		t.Fatalf("using the token: %v", err)
	}
	if _, _, err := c.GetServer(); err != nil {
		t.Fatalf("the client is not trusted: %v", err)
	}
	_, env := h.do("GET", "/1.0/operations/"+op.ID, "")
	if !strings.Contains(string(env.Metadata), `"status":"Cancelled"`) {
		t.Errorf("a used token's operation: %s", env.Metadata)
	}
	_, env = h.do("GET", "/1.0/certificates?recursion=1", "")
	if !strings.Contains(string(env.Metadata), `"name":"laptop"`) || !strings.Contains(string(env.Metadata), `"restricted":true`) {
		t.Errorf("trust store after the token: %s", env.Metadata)
	}
	if err := c.CreateCertificate(api.CertificatesPost{TrustToken: add.String()}); err == nil {
		t.Error("a token was used twice")
	}
	// An unused token is revoked by cancelling its operation.
	op = token()
	if status, env := h.do("DELETE", "/1.0/operations/"+op.ID, ""); status != 200 {
		t.Fatalf("revoking: HTTP %d %q", status, env.Error)
	}
	if _, env := h.do("GET", "/1.0/operations/"+op.ID, ""); !strings.Contains(string(env.Metadata), `"status":"Cancelled"`) {
		t.Errorf("a revoked token's operation: %s", env.Metadata)
	}
	if n := m.TrustTokens(); n != 0 {
		t.Errorf("%d tokens still open", n)
	}
}
