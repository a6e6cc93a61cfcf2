package incus

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// CertificatePut is what can change on a trusted certificate in place.
type CertificatePut struct {
	Name        string
	Restricted  bool
	Projects    []string
	Description string
}

// Certificate is a client certificate in the server's trust store.
type Certificate struct {
	CertificatePut
	Fingerprint string
	Type        string // client, metrics
	Certificate string // PEM
	ETag        string
}

// CertificateSpec is what CreateCertificate sends.
type CertificateSpec struct {
	CertificatePut
	Type        string
	Certificate string // PEM
}

// ParseCertificatePEM parses the first PEM block of pemText as an X.509
// certificate, as incusd will.
func ParseCertificatePEM(pemText string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("the PEM block is a %q, not a CERTIFICATE", block.Type)
	}
	return x509.ParseCertificate(block.Bytes)
}

// CertificateFingerprint is incusd's fingerprint of a certificate: the
// SHA-256 of its DER form, in lower-case hex.
func CertificateFingerprint(pemText string) (string, error) {
	cert, err := ParseCertificatePEM(pemText)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:]), nil
}

func certificateObject(s Scope, fingerprint string) string {
	return fmt.Sprintf("trusted certificate %q (remote %q)", fingerprint, s.Remote)
}

// GetCertificate reads a trusted certificate with its ETag. incusd finds it
// by a prefix of the fingerprint; the answer has the full one.
func (c *Client) GetCertificate(ctx context.Context, s Scope, fingerprint string) (*Certificate, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return nil, err
	}
	got, etag, err := get(ctx, certificateObject(s, fingerprint), address, func() (*api.Certificate, string, error) {
		return srv.GetCertificate(fingerprint)
	})
	if err != nil {
		return nil, err
	}
	return certificateFromAPI(got, etag), nil
}

func certificateFromAPI(got *api.Certificate, etag string) *Certificate {
	out := &Certificate{Fingerprint: got.Fingerprint, Type: got.Type, Certificate: got.Certificate, ETag: etag}
	out.Name, out.Restricted, out.Description = got.Name, got.Restricted, got.Description
	out.Projects = sortedCopy(got.Projects)
	return out
}

// ListCertificates lists the trust store.
func (c *Client) ListCertificates(ctx context.Context, s Scope) ([]Certificate, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return nil, err
	}
	list, err := call(ctx, "listing", fmt.Sprintf("the trusted certificates of remote %q", s.Remote), address, srv.GetCertificates)
	if err != nil {
		return nil, err
	}
	out := make([]Certificate, 0, len(list))
	for i := range list {
		out = append(out, *certificateFromAPI(&list[i], ""))
	}
	return out, nil
}

// CreateCertificate adds a certificate to the trust store and returns its
// fingerprint. One already trusted is a Conflict naming its import ID
// (incusd: 409 "Certificate already in trust store").
func (c *Client) CreateCertificate(ctx context.Context, s Scope, spec CertificateSpec) (string, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return "", err
	}
	cert, err := ParseCertificatePEM(spec.Certificate)
	if err != nil {
		return "", &clienterr.ValidationError{Info: clienterr.Info{Object: "certificate", Message: "not a PEM X.509 certificate: " + err.Error(), Err: err}}
	}
	fp, _ := CertificateFingerprint(spec.Certificate)
	req := api.CertificatesPost{CertificatePut: api.CertificatePut{
		Name: spec.Name, Type: spec.Type, Restricted: spec.Restricted, Projects: nonNil(spec.Projects),
		Description: spec.Description,
		// POST takes the DER in base64, not PEM.
		Certificate: base64.StdEncoding.EncodeToString(cert.Raw),
	}}
	err = mutate(ctx, "the create request", certificateObject(s, fp), address, func() error {
		return srv.CreateCertificate(req)
	})
	return fp, taken(err, ServerImportID(s.Remote, fp))
}

// UpdateCertificate changes the name, restriction, projects and description
// of a trusted certificate, guarded by etag when it is not empty.
func (c *Client) UpdateCertificate(ctx context.Context, s Scope, fingerprint, certType string, put CertificatePut, etag string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	// No certificate in the request: incusd keeps the one it has.
	req := api.CertificatePut{Name: put.Name, Type: certType, Restricted: put.Restricted, Projects: nonNil(put.Projects), Description: put.Description}
	return mutate(ctx, "the update request", certificateObject(s, fingerprint), address, func() error {
		return srv.UpdateCertificate(fingerprint, req, etag)
	})
}

// DeleteCertificate removes a certificate from the trust store.
func (c *Client) DeleteCertificate(ctx context.Context, s Scope, fingerprint string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	return mutate(ctx, "the delete request", certificateObject(s, fingerprint), address, func() error {
		return srv.DeleteCertificate(fingerprint)
	})
}

// TrustTokenSpec is what a trust token lets its user become.
type TrustTokenSpec struct {
	ClientName string
	Projects   []string
	Restricted bool
}

// TrustToken is an open trust token: a token-class operation on the server.
type TrustToken struct {
	OperationID string
	Token       string    // what `incus remote add` takes
	ExpiresAt   time.Time // zero: the server set no expiry (core.remote_token_expiry)
}

// CreateTrustToken opens a trust token for a client (POST /1.0/certificates
// with token: true). incusd issues tokens only while it listens on the
// network (core.https_address): otherwise it answers 400 "Can't issue token
// when server isn't listening on network", which gets a hint.
func (c *Client) CreateTrustToken(ctx context.Context, s Scope, spec TrustTokenSpec) (*TrustToken, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return nil, err
	}
	object := fmt.Sprintf("trust token for client %q (remote %q)", spec.ClientName, s.Remote)
	req := api.CertificatesPost{Token: true, CertificatePut: api.CertificatePut{
		Name: spec.ClientName, Type: api.CertificateTypeClient, Restricted: spec.Restricted, Projects: nonNil(spec.Projects),
	}}
	if err := clienterr.BeforeMutation(ctx, "the token request", object); err != nil {
		return nil, err
	}
	op, err := call(ctx, "the token request of", object, address, func() (incusclient.Operation, error) {
		return srv.CreateCertificateToken(req)
	})
	if err != nil {
		var v *clienterr.ValidationError
		if errors.As(err, &v) && strings.Contains(v.Message, "isn't listening on network") {
			v.Hint = fmt.Sprintf("Incus server %q issues trust tokens only while it listens on the network: set core.https_address (`incus config set %s: core.https_address :8443`).", s.Remote, s.Remote)
		}
		return nil, err
	}
	got := op.Get()
	tok, err := got.ToCertificateAddToken()
	if err != nil {
		return nil, &clienterr.ValidationError{Info: clienterr.Info{Object: object, Message: "the server's token operation " + got.ID + " has no token: " + err.Error(), Err: err}}
	}
	out := &TrustToken{OperationID: got.ID, Token: tok.String(), ExpiresAt: tok.ExpiresAt}
	if out.ExpiresAt.Year() <= 1 {
		out.ExpiresAt = time.Time{}
	}
	return out, nil
}

// RevokeTrustToken cancels a trust token unless it was used: an unused
// token is an operation still running. It reports whether it revoked one;
// a token used, expired or revoked already is no error.
func (c *Client) RevokeTrustToken(ctx context.Context, s Scope, operationID string) (bool, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return false, err
	}
	object := fmt.Sprintf("trust token operation %q (remote %q)", operationID, s.Remote)
	op, err := call(ctx, "reading", object, address, func() (*api.Operation, error) {
		op, _, err := srv.GetOperation(operationID)
		return op, err
	})
	if IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if op.StatusCode != api.Running {
		return false, nil
	}
	err = mutate(ctx, "the revoke request", object, address, func() error {
		return srv.DeleteOperation(operationID)
	})
	if IsNotFound(err) {
		return false, nil // used meanwhile
	}
	return err == nil, err
}
