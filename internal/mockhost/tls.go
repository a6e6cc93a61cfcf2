package mockhost

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/lxc/incus/v6/shared/api"
)

// SelfSignedCertificate makes a PEM certificate and key for loopback use,
// as Incus servers and clients make their own.
func SelfSignedCertificate(commonName string) (certPEM, keyPEM string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{"rack mockhost"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})), nil
}

// ServeTLS also serves the fake over HTTPS on a loopback address (such as
// "127.0.0.1:0"), with Incus's trust model: clients authenticate with a TLS
// client certificate; an untrusted one sees `auth: untrusted` on GET /1.0 and
// 403 "not authorized" elsewhere, and may trust itself with a trust token
// (POST /1.0/certificates). It returns the https URL and the server's PEM
// certificate, which clients pin.
func (m *Incus) ServeTLS(addr string) (url, serverCertPEM string, err error) {
	certPEM, keyPEM, err := SelfSignedCertificate("mockhost")
	if err != nil {
		return "", "", err
	}
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		return "", "", err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", "", err
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(m.serveTrusted),
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12},
	}
	srv.Addr = l.Addr().String() // the address trust tokens carry
	go func() { _ = srv.ServeTLS(l, "", "") }()
	m.mu.Lock()
	m.tlsServers = append(m.tlsServers, srv)
	m.serverFingerprint = fingerprint(pair.Certificate[0])
	m.mu.Unlock()
	registerImageServer("https://"+l.Addr().String(), m)
	return "https://" + l.Addr().String(), certPEM, nil
}

// TrustCertificate trusts a client certificate, as `incus config trust add-certificate` does.
func (m *Incus) TrustCertificate(certPEM string) {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.trusted[fingerprint(block.Bytes)] = true
}

// AddTrustToken issues a one-time trust token, as `incus config trust add` does.
func (m *Incus) AddTrustToken() string {
	token := newUUID()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[token] = true
	return token
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// serveTrusted applies Incus's TLS trust before the API.
func (m *Incus) serveTrusted(w http.ResponseWriter, r *http.Request) {
	client := ""
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		client = fingerprint(r.TLS.PeerCertificates[0].Raw)
	}
	m.mu.Lock()
	trusted := client != "" && m.trusted[client]
	m.mu.Unlock()
	if trusted {
		m.ServeHTTP(w, r)
		return
	}
	m.requests.Add(1)
	switch {
	case r.URL.Path == "/1.0" && r.Method == http.MethodGet:
		writeSync(w, api.Server{ServerUntrusted: api.ServerUntrusted{
			APIExtensions: []string{"instance_get_full", "instance_create_start"},
			APIStatus:     "stable", APIVersion: "1.0", Auth: "untrusted", Public: false,
			AuthMethods: []string{api.AuthenticationMethodTLS},
		}}, "")
	case r.URL.Path == "/1.0/certificates" && r.Method == http.MethodPost && client != "":
		var req api.CertificatesPost
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		m.mu.Lock()
		ok := m.tokens[req.TrustToken]
		if !ok {
			ok = m.useTrustToken(req.TrustToken, r.TLS.PeerCertificates[0])
		} else {
			delete(m.tokens, req.TrustToken)
			m.trusted[client] = true
		}
		m.mu.Unlock()
		if !ok {
			writeError(w, http.StatusForbidden, "No matching certificate add operation found")
			return
		}
		writeSync(w, nil, "")
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/1.0/images/"):
		// An image server: untrusted clients read public images and aliases.
		m.dispatch(m.publicMux, w, r)
	default:
		writeError(w, http.StatusForbidden, "not authorized")
	}
}
