package contract_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

// caseCert is the client certificate of a certificate case's object: one
// per name, made once, so that every clause of a run names the same one.
type caseCert struct {
	pem, fingerprint string
	der              []byte
}

var (
	certsMu sync.Mutex
	certs   = map[string]caseCert{}
)

func certFor(name string) caseCert {
	certsMu.Lock()
	defer certsMu.Unlock()
	if c, ok := certs[name]; ok {
		return c
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(der)
	c := caseCert{pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), fingerprint: hex.EncodeToString(sum[:]), der: der}
	certs[name] = c
	return c
}

func init() {
	cases["rack_incus_certificate"] = Case{
		Incus:   true,
		Address: "rack_incus_certificate.test",
		Config: func(_ *Env, name string) string {
			return fmt.Sprintf(`
resource "rack_incus_certificate" "test" {
  remote      = "test"
  name        = %q
  certificate = %q
  description = "contract"
  restricted  = true
  projects    = ["default"]
}
`, name, certFor(name).pem)
		},
		ImportID: func(_ *Env, name string) string { return "test:" + certFor(name).fingerprint },
		TakeName: func(t *testing.T, env *Env, name string) {
			err := env.Incus.Client.CreateCertificate(api.CertificatesPost{CertificatePut: api.CertificatePut{
				Name: name, Type: "client", Certificate: base64.StdEncoding.EncodeToString(certFor(name).der)}})
			if err != nil {
				t.Fatalf("trusting certificate %s out of band: %v", name, err)
			}
			t.Cleanup(func() { _ = env.Incus.Client.DeleteCertificate(certFor(name).fingerprint) })
		},
		DeleteOutOfBand: func(t *testing.T, env *Env, name string) {
			if err := env.Incus.Client.DeleteCertificate(certFor(name).fingerprint); err != nil {
				t.Fatalf("deleting certificate %s out of band: %v", name, err)
			}
		},
		Exists: func(_ *testing.T, env *Env, name string) bool {
			_, _, err := env.Incus.Client.GetCertificate(certFor(name).fingerprint)
			return err == nil
		},
		CreateRequest: mockhost.Fault{Method: "POST", PathPrefix: "/1.0/certificates"},
		Identity: func(_ *Env, name string) map[string]string {
			return map[string]string{"fingerprint": certFor(name).fingerprint, "remote": "test"}
		},
	}
}
