package mockhost

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/lxc/incus/v6/shared/api"
)

// The trust store and trust tokens, as incusd 6.0.4 serves them
// (cmd/incusd/certificates.go). A trust token is an operation of class
// "token" that stays running until it is used, cancelled or the daemon
// restarts; using one cancels it.

func (m *Incus) certificateRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /1.0/certificates", m.listCertificates)
	mux.HandleFunc("POST /1.0/certificates", m.createCertificate)
	mux.HandleFunc("GET /1.0/certificates/{fp}", m.withCertificate(func(w http.ResponseWriter, _ *http.Request, c *api.Certificate) {
		writeSync(w, c, etagOf(c))
	}))
	mux.HandleFunc("PUT /1.0/certificates/{fp}", m.withCertificate(m.updateCertificate))
	mux.HandleFunc("PATCH /1.0/certificates/{fp}", m.withCertificate(m.updateCertificate))
	mux.HandleFunc("DELETE /1.0/certificates/{fp}", m.withCertificate(func(w http.ResponseWriter, _ *http.Request, c *api.Certificate) {
		delete(m.certs, c.Fingerprint)
		delete(m.trusted, c.Fingerprint)
		writeEmpty(w)
	}))
}

// certStore is the trust store; m.mu is held.
func (m *Incus) certStore() map[string]*api.Certificate {
	if m.certs == nil {
		m.certs = map[string]*api.Certificate{}
	}
	return m.certs
}

// withCertificate finds the certificate of the path by fingerprint prefix,
// as incusd does, with m.mu held.
func (m *Incus) withCertificate(h func(http.ResponseWriter, *http.Request, *api.Certificate)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		prefix := r.PathValue("fp")
		var found []*api.Certificate
		for fp, c := range m.certStore() {
			if strings.HasPrefix(fp, prefix) {
				found = append(found, c)
			}
		}
		switch len(found) {
		case 0:
			writeError(w, http.StatusNotFound, "Certificate not found")
		case 1:
			h(w, r, found[0])
		default:
			writeError(w, http.StatusInternalServerError, "More than one certificate matches")
		}
	}
}

func (m *Incus) listCertificates(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fps := make([]string, 0, len(m.certStore()))
	for fp := range m.certStore() {
		fps = append(fps, fp)
	}
	sort.Strings(fps)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.Certificate, 0, len(fps))
		for _, fp := range fps {
			list = append(list, *m.certs[fp])
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(fps))
	for _, fp := range fps {
		urls = append(urls, "/1.0/certificates/"+fp)
	}
	writeSync(w, urls, "")
}

// validCertType is incusd's certificate.FromAPIType.
func validCertType(t string) bool {
	return t == api.CertificateTypeClient || t == api.CertificateTypeServer || t == api.CertificateTypeMetrics
}

// checkCertificate is incusd's certificateValidate, "" when fine.
func checkCertificate(cert *x509.Certificate) string {
	now := time.Now()
	switch {
	case now.Before(cert.NotBefore):
		return "The provided certificate isn't valid yet"
	case now.After(cert.NotAfter):
		return "The provided certificate is expired"
	}
	if key, ok := cert.PublicKey.(*rsa.PublicKey); ok && key.Size()*8 < 2048 {
		return "RSA key is too weak (minimum of 2048bit)"
	}
	return ""
}

func (m *Incus) createCertificate(w http.ResponseWriter, r *http.Request) {
	var req api.CertificatesPost
	if !decode(w, r, &req) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if req.Token && req.Certificate != "" {
		writeError(w, http.StatusBadRequest, "Can't use certificate if token is requested")
		return
	}
	if req.Token {
		if req.Type != api.CertificateTypeClient {
			writeError(w, http.StatusBadRequest, "Tokens can only be issued for client certificates")
			return
		}
		// The fake listens on the network only once ServeTLS was called
		// (incusd: once core.https_address is set).
		if len(m.tlsServers) == 0 {
			writeError(w, http.StatusBadRequest, "Can't issue token when server isn't listening on network")
			return
		}
	}
	if req.Certificate == "" && !req.Token {
		// Over the unix socket the client is trusted already.
		writeError(w, http.StatusBadRequest, "Client is already trusted")
		return
	}
	if !validCertType(req.Type) {
		writeError(w, http.StatusBadRequest, "Invalid certificate type")
		return
	}
	if req.Token {
		m.startTokenOperation(w, req)
		return
	}
	der, err := base64.StdEncoding.DecodeString(req.Certificate)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid certificate material: "+err.Error())
		return
	}
	if msg := checkCertificate(cert); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	fp := fingerprint(der)
	if _, taken := m.certStore()[fp]; taken {
		writeError(w, http.StatusConflict, "Certificate already in trust store")
		return
	}
	name := req.Name
	if name == "" {
		name = cert.Subject.CommonName
	}
	m.addCertificate(api.Certificate{
		CertificatePut: api.CertificatePut{Name: name, Type: req.Type, Restricted: req.Restricted,
			Projects: req.Projects, Description: req.Description,
			Certificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))},
		Fingerprint: fp,
	})
	writeCreated(w, "/1.0/certificates/"+fp, nil)
}

// addCertificate puts a certificate in the trust store; m.mu is held.
func (m *Incus) addCertificate(c api.Certificate) {
	if c.Projects == nil {
		c.Projects = []string{}
	}
	m.certStore()[c.Fingerprint] = &c
	if c.Type == api.CertificateTypeClient {
		m.trusted[c.Fingerprint] = true
	}
}

func (m *Incus) updateCertificate(w http.ResponseWriter, r *http.Request, c *api.Certificate) {
	if !ifMatch(w, r, etagOf(c)) {
		return
	}
	// PUT replaces what is writable; PATCH starts from what is there.
	req := api.CertificatePut{}
	if r.Method == http.MethodPatch {
		req = c.Writable()
	}
	if !decode(w, r, &req) {
		return
	}
	// incusd 6.0.4 as packaged (with upstream's "Prevent any type change").
	if req.Type != c.Type {
		writeError(w, http.StatusBadRequest, "The certificate type cannot be changed")
		return
	}
	next := *c
	next.Name, next.Type, next.Restricted, next.Description = req.Name, req.Type, req.Restricted, req.Description
	next.Projects = req.Projects
	if next.Projects == nil {
		next.Projects = []string{}
	}
	if req.Certificate != "" && req.Certificate != c.Certificate {
		block, _ := pem.Decode([]byte(req.Certificate))
		if block == nil {
			writeError(w, http.StatusBadRequest, "Invalid PEM encoded certificate")
			return
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Invalid certificate material: "+err.Error())
			return
		}
		if msg := checkCertificate(cert); msg != "" {
			writeError(w, http.StatusBadRequest, msg)
			return
		}
		next.Certificate = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
		next.Fingerprint = fingerprint(cert.Raw)
	}
	delete(m.certs, c.Fingerprint)
	delete(m.trusted, c.Fingerprint)
	m.addCertificate(next)
	writeEmpty(w)
}

// tokenOperation is a trust token's operation and the token it stands for.
type tokenOperation struct {
	op     *mockOperation
	secret string
	req    api.CertificatesPost
}

// startTokenOperation answers a token request as incusd does: 202 with a
// running operation of class "token" whose metadata holds the secret, the
// server certificate's fingerprint, its addresses and the request; m.mu is
// held.
func (m *Incus) startTokenOperation(w http.ResponseWriter, req api.CertificatesPost) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret := hex.EncodeToString(b[:])
	if req.Projects == nil {
		req.Projects = []string{}
	}
	addresses := make([]any, 0, len(m.tlsServers))
	for _, s := range m.tlsServers {
		addresses = append(addresses, s.Addr)
	}
	now := time.Now().UTC()
	mop := &mockOperation{
		op: api.Operation{
			ID: newUUID(), Class: "token", Description: "Executing operation",
			CreatedAt: now, UpdatedAt: now,
			Status: api.Running.String(), StatusCode: api.Running,
			Resources: map[string][]string{}, Location: "none",
			Metadata: map[string]any{
				"secret": secret, "fingerprint": m.serverFingerprint, "addresses": addresses, "request": req,
			},
		},
		done: make(chan struct{}),
		work: func() string { return "" },
	}
	if m.tokenExpiry > 0 {
		mop.op.Metadata["expiresAt"] = now.Add(m.tokenExpiry)
	}
	m.ops[mop.op.ID] = mop
	if m.tokenOps == nil {
		m.tokenOps = map[string]*tokenOperation{}
	}
	m.tokenOps[secret] = &tokenOperation{op: mop, secret: secret, req: req}
	w.Header().Set("Location", "/1.0/operations/"+mop.op.ID)
	// The metadata as incusd sends it: JSON, so the request is a map.
	raw, _ := json.Marshal(mop.op)
	var view map[string]any
	_ = json.Unmarshal(raw, &view)
	writeJSON(w, http.StatusAccepted, map[string]any{
		"type": "async", "status": "Operation created", "status_code": 100,
		"operation": "/1.0/operations/" + mop.op.ID, "error_code": 0, "error": "", "metadata": view,
	})
}

// useTrustToken trusts client with a token from POST /1.0/certificates
// {token: true}, as incusd does: the token is base64 JSON holding the
// secret; its operation is cancelled, and the client's certificate joins
// the trust store under the token's name. m.mu is held.
func (m *Incus) useTrustToken(token string, clientCert *x509.Certificate) bool {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	var t api.CertificateAddToken
	if json.Unmarshal(raw, &t) != nil {
		return false
	}
	tok, ok := m.tokenOps[t.Secret]
	if !ok || tok.op.ended {
		return false
	}
	if exp, ok := tok.op.op.Metadata["expiresAt"].(time.Time); ok && time.Now().After(exp) {
		return false // incusd: 403 "Token has expired"
	}
	delete(m.tokenOps, t.Secret)
	tok.op.op.Status, tok.op.op.StatusCode = api.Cancelled.String(), api.Cancelled
	tok.op.op.UpdatedAt = time.Now().UTC()
	tok.op.ended = true
	close(tok.op.done)
	m.addCertificate(api.Certificate{
		CertificatePut: api.CertificatePut{Name: tok.req.Name, Type: api.CertificateTypeClient,
			Restricted: tok.req.Restricted, Projects: tok.req.Projects,
			Certificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: clientCert.Raw}))},
		Fingerprint: fingerprint(clientCert.Raw),
	})
	return true
}

// cancelTokenOperation ends a running token operation (DELETE
// /1.0/operations/{id}); m.mu is held. It reports whether op was one.
func (m *Incus) cancelTokenOperation(mop *mockOperation) bool {
	for secret, tok := range m.tokenOps {
		if tok.op != mop {
			continue
		}
		delete(m.tokenOps, secret)
		if mop.ended {
			return true
		}
		mop.op.Status, mop.op.StatusCode = api.Cancelled.String(), api.Cancelled
		mop.op.UpdatedAt = time.Now().UTC()
		mop.ended = true
		close(mop.done)
		m.revokedTokenLifetimes = append(m.revokedTokenLifetimes, mop.op.UpdatedAt.Sub(mop.op.CreatedAt))
		return true
	}
	return false
}

// RevokedTrustTokenLifetimes is, for each trust token revoked so far, how
// long it was open.
func (m *Incus) RevokedTrustTokenLifetimes() []time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]time.Duration(nil), m.revokedTokenLifetimes...)
}

// SetTrustTokenExpiry sets what core.remote_token_expiry would: trust
// tokens issued from now on expire d after they are issued (0: never).
func (m *Incus) SetTrustTokenExpiry(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokenExpiry = d
}

// TrustTokens is how many trust tokens are open (not used nor revoked).
func (m *Incus) TrustTokens() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tokenOps)
}
