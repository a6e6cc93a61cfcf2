package trust_test

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
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/acctest"
)

const certAddr = "rack_incus_certificate.test"

// testCert is a client certificate made for a test.
type testCert struct {
	PEM, Fingerprint string
	der              []byte
}

func newCert(t *testing.T, cn string, notBefore, notAfter time.Time) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return testCert{PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), Fingerprint: hex.EncodeToString(sum[:]), der: der}
}

func validCert(t *testing.T, cn string) testCert {
	return newCert(t, cn, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

func certConfig(h *acctest.IncusHost, certPEM, body string) string {
	return h.ProviderConfig() + fmt.Sprintf(`
resource "rack_incus_certificate" "test" {
  remote      = "test"
  certificate = %q
%s
}
`, certPEM, body)
}

// certsGone checks that none of the certificates is trusted any more.
func certsGone(h *acctest.IncusHost, fps ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, fp := range fps {
			if _, _, err := h.Client.GetCertificate(fp); err == nil {
				return fmt.Errorf("certificate %s is still trusted", fp)
			}
		}
		return nil
	}
}

func forgetCerts(t *testing.T, h *acctest.IncusHost, fps ...string) {
	t.Cleanup(func() {
		for _, fp := range fps {
			_ = h.Client.DeleteCertificate(fp)
		}
	})
}

func TestAccIncusCertificate_lifecycle(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("client")
		a, b := validCert(t, name+"-cn"), validCert(t, name+"-b")
		forgetCerts(t, h, a.Fingerprint, b.Fingerprint)
		v1 := certConfig(h, a.PEM, "")
		v2 := certConfig(h, a.PEM, fmt.Sprintf(`name = %q
description = "laptop"
restricted  = true
projects    = ["default"]`, name))
		// The same certificate with a comment before it and CRLF line ends.
		relaid := "laptop of " + name + "\r\n" + string(toCRLF(a.PEM))
		v3 := certConfig(h, relaid, fmt.Sprintf(`name = %q
description = "laptop"
restricted  = true
projects    = ["default"]`, name))
		id := "test:" + a.Fingerprint
		dataByName := `
data "rack_incus_certificate" "by_name" {
  remote = "test"
  name   = rack_incus_certificate.test.name
}
data "rack_incus_certificate" "by_fp" {
  remote      = "test"
  fingerprint = substr(rack_incus_certificate.test.fingerprint, 0, 16)
}
`
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             certsGone(h, a.Fingerprint, b.Fingerprint),
			Steps: []resource.TestStep{
				{ // name from the common name; fingerprint known at plan
					Config: v1,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(certAddr, tfjsonpath.New("fingerprint"), knownvalue.StringExact(a.Fingerprint)),
						plancheck.ExpectKnownValue(certAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("name"), knownvalue.StringExact(name+"-cn")),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("type"), knownvalue.StringExact("client")),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("restricted"), knownvalue.Bool(false)),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("projects"), knownvalue.SetSizeExact(0)),
					},
				},
				{ // name, description, restriction in place
					Config: v2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(certAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("name"), knownvalue.StringExact(name)),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("restricted"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("projects"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("default")})),
					},
				},
				{ // the same certificate laid out otherwise: no change
					Config:           v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
				{ResourceName: certAddr, ImportState: true, ImportStateId: id, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts", "certificate"}},
				{ResourceName: certAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: id, Config: v3},
				{ // the data source, by name and by a fingerprint prefix
					Config: v3 + dataByName,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.rack_incus_certificate.by_name", tfjsonpath.New("fingerprint"), knownvalue.StringExact(a.Fingerprint)),
						statecheck.ExpectKnownValue("data.rack_incus_certificate.by_name", tfjsonpath.New("description"), knownvalue.StringExact("laptop")),
						statecheck.ExpectKnownValue("data.rack_incus_certificate.by_fp", tfjsonpath.New("name"), knownvalue.StringExact(name)),
						statecheck.ExpectKnownValue("data.rack_incus_certificate.by_fp", tfjsonpath.New("id"), knownvalue.StringExact(id)),
						statecheck.ExpectKnownValue("data.rack_incus_certificate.by_fp", tfjsonpath.New("certificate"), knownvalue.StringExact(a.PEM)),
					},
				},
				{ // renamed out of band: drift, put back
					PreConfig: func() {
						c, etag, err := h.Client.GetCertificate(a.Fingerprint)
						if err != nil {
							t.Fatal(err)
						}
						put := c.Writable()
						put.Name, put.Certificate = "theirs", ""
						if err := h.Client.UpdateCertificate(a.Fingerprint, put, etag); err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(certAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("name"), knownvalue.StringExact(name))},
				},
				{ // removed out of band: planned again
					PreConfig: func() {
						if err := h.Client.DeleteCertificate(a.Fingerprint); err != nil {
							t.Fatal(err)
						}
					},
					Config: v3,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(certAddr, plancheck.ResourceActionCreate),
					}},
				},
				{ // another certificate replaces it
					Config: certConfig(h, b.PEM, fmt.Sprintf("name = %q", name)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(certAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("fingerprint"), knownvalue.StringExact(b.Fingerprint))},
					Check:             certsGone(h, a.Fingerprint),
				},
				{ // so does another type
					Config: certConfig(h, b.PEM, fmt.Sprintf("name = %q\ntype = \"metrics\"", name)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(certAddr, plancheck.ResourceActionDestroyBeforeCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(certAddr, tfjsonpath.New("type"), knownvalue.StringExact("metrics"))},
				},
			},
		})
	})
}

func toCRLF(s string) []byte {
	out := make([]byte, 0, len(s)+40)
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, '\r')
		}
		out = append(out, s[i])
	}
	return out
}

func TestAccIncusCertificate_errors(t *testing.T) {
	acctest.ForEachIncusHost(t, func(t *testing.T, h *acctest.IncusHost) {
		name := acctest.RandomName("client")
		taken, expired := validCert(t, name), newCert(t, name, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
		forgetCerts(t, h, taken.Fingerprint, expired.Fingerprint)
		acctest.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             certsGone(h, expired.Fingerprint),
			Steps: []resource.TestStep{
				{
					Config:      certConfig(h, "not a certificate", ""),
					ExpectError: acctest.DiagRE(`Invalid Certificate.*PEM encoded X\.509 certificate`),
				},
				{
					Config:      certConfig(h, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", ""),
					ExpectError: acctest.DiagRE(`Invalid Certificate.*x509`),
				},
				{
					Config:      certConfig(h, taken.PEM, `type = "server"`),
					ExpectError: acctest.DiagRE(`value must be one of`),
				},
				{ // incusd's own check
					Config:      certConfig(h, expired.PEM, ""),
					ExpectError: acctest.DiagRE(`The provided certificate is expired`),
				},
				{ // trusted already: its import ID
					PreConfig: func() {
						err := h.Client.CreateCertificate(api.CertificatesPost{CertificatePut: api.CertificatePut{
							Name: name, Type: "client", Certificate: base64.StdEncoding.EncodeToString(taken.der)}})
						if err != nil {
							t.Fatal(err)
						}
					},
					Config:      certConfig(h, taken.PEM, ""),
					ExpectError: acctest.DiagRE(fmt.Sprintf(`terraform import.*"test:%s".*Certificate already in trust store`, taken.Fingerprint)),
				},
				{
					Config:      h.ProviderConfig() + `data "rack_incus_certificate" "x" {` + "\n remote = \"test\"\n name = \"" + name + "-nosuch\"\n}\n",
					ExpectError: acctest.DiagRE(`no entry of the trust store has this name`),
				},
				{
					Config:      h.ProviderConfig() + `data "rack_incus_certificate" "x" {` + "\n remote = \"test\"\n name = \"x\"\n fingerprint = \"y\"\n}\n",
					ExpectError: acctest.DiagRE(`Invalid Attribute Combination`),
				},
			},
		})
	})
}

// validFingerprint is the fingerprint of a PEM certificate.
func validFingerprint(t *testing.T, certPEM string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		t.Fatal("no PEM")
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:])
}
