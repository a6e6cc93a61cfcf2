package mockhost

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/lxc/incus/v6/shared/api"
)

// Buckets follow the Incus REST API and the client types (api.StorageBucket,
// api.StorageBucketKey): the real test daemon cannot make buckets (it has
// no MinIO), so these answers are not checked against it. Texts are
// incusd's own; every pool driver may hold buckets here.

type mockBucket struct {
	api.StorageBucket
	keys map[string]*api.StorageBucketKey
}

// bucketsAddress stands for incusd's core.storage_buckets_address, which
// the S3 URL of a local pool's bucket is built from; nothing listens there.
const bucketsAddress = "127.0.0.1:8555"

var bucketNameRE = regexp.MustCompile(`^[a-z0-9][\-\.a-z0-9]{2,62}$`)

func (m *Incus) storageBucketRoutes(mux *http.ServeMux) {
	const buckets = "/1.0/storage-pools/{pool}/buckets"
	const bucket = buckets + "/{bucket}"
	mux.HandleFunc("GET "+buckets, m.withBuckets(m.listBuckets))
	mux.HandleFunc("POST "+buckets, m.withBuckets(m.createBucket))
	mux.HandleFunc("GET "+bucket, m.withBucket(m.getBucket))
	mux.HandleFunc("PUT "+bucket, m.withBucket(m.updateBucket))
	mux.HandleFunc("PATCH "+bucket, m.withBucket(m.updateBucket))
	mux.HandleFunc("DELETE "+bucket, m.withBucket(m.deleteBucket))
	mux.HandleFunc("GET "+bucket+"/keys", m.withBucket(m.listBucketKeys))
	mux.HandleFunc("POST "+bucket+"/keys", m.withBucket(m.createBucketKey))
	mux.HandleFunc("GET "+bucket+"/keys/{key}", m.withBucketKey(m.getBucketKey))
	mux.HandleFunc("PUT "+bucket+"/keys/{key}", m.withBucketKey(m.updateBucketKey))
	mux.HandleFunc("DELETE "+bucket+"/keys/{key}", m.withBucketKey(m.deleteBucketKey))
}

// bucketScope is the pool and the project holding the buckets a request's
// project uses (its own with features.storage.buckets, else default's).
type bucketScope struct {
	pool    *mockPool
	project string
}

func (s bucketScope) buckets() map[string]*mockBucket {
	b := s.pool.buckets[s.project]
	if b == nil {
		b = map[string]*mockBucket{}
		s.pool.buckets[s.project] = b
	}
	return b
}

func (m *Incus) withBuckets(h func(http.ResponseWriter, *http.Request, bucketScope)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		name := projectParam(r)
		p, ok := m.projects[name]
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("Failed to load project %q: Project not found", name))
			return
		}
		pool := m.pools[r.PathValue("pool")]
		if pool == nil {
			writeError(w, http.StatusNotFound, "Failed loading storage pool: Storage pool not found")
			return
		}
		if !m.targetOK(w, r) {
			return
		}
		project := p.name
		if !p.feature("features.storage.buckets") {
			project = "default"
		}
		h(w, r, bucketScope{pool: pool, project: project})
	}
}

func (m *Incus) withBucket(h func(http.ResponseWriter, *http.Request, bucketScope, *mockBucket)) http.HandlerFunc {
	return m.withBuckets(func(w http.ResponseWriter, r *http.Request, s bucketScope) {
		b := s.buckets()[r.PathValue("bucket")]
		if b == nil {
			writeError(w, http.StatusNotFound, "Storage bucket not found")
			return
		}
		h(w, r, s, b)
	})
}

func (m *Incus) withBucketKey(h func(http.ResponseWriter, *http.Request, *mockBucket, *api.StorageBucketKey)) http.HandlerFunc {
	return m.withBucket(func(w http.ResponseWriter, r *http.Request, _ bucketScope, b *mockBucket) {
		k := b.keys[r.PathValue("key")]
		if k == nil {
			writeError(w, http.StatusNotFound, "Storage bucket key not found")
			return
		}
		h(w, r, b, k)
	})
}

func bucketURL(pool, name string) string { return "/1.0/storage-pools/" + pool + "/buckets/" + name }

func bucketView(b *mockBucket) api.StorageBucket {
	out := b.StorageBucket
	out.Config = copyMap(b.Config)
	return out
}

func (m *Incus) listBuckets(w http.ResponseWriter, r *http.Request, s bucketScope) {
	all := s.buckets()
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.StorageBucket, 0, len(names))
		for _, n := range names {
			list = append(list, bucketView(all[n]))
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, bucketURL(s.pool.Name, n))
	}
	writeSync(w, urls, "")
}

// validateBucketConfig takes the keys a local pool's bucket takes.
func validateBucketConfig(cfg map[string]string) string {
	for _, k := range sortedKeys(cfg) {
		if k != "size" && !strings.HasPrefix(k, "user.") {
			return fmt.Sprintf("Invalid option %q", k)
		}
	}
	return ""
}

// createBucket answers 201 with the bucket's first key, "admin", as incusd
// does with storage_buckets_create_credentials.
func (m *Incus) createBucket(w http.ResponseWriter, r *http.Request, s bucketScope) {
	var req api.StorageBucketsPost
	if !decode(w, r, &req) {
		return
	}
	if !bucketNameRE.MatchString(req.Name) {
		writeError(w, http.StatusBadRequest, "Invalid storage bucket name: Bucket name must be between 3 and 63 lowercase letters, numbers, periods or hyphens and must start with a letter or number")
		return
	}
	if msg := validateBucketConfig(req.Config); msg != "" {
		writeError(w, http.StatusBadRequest, "Failed creating storage bucket: "+msg)
		return
	}
	if s.buckets()[req.Name] != nil {
		writeError(w, http.StatusConflict, "Failed creating storage bucket: A bucket for that name already exists")
		return
	}
	b := &mockBucket{StorageBucket: api.StorageBucket{
		Name: req.Name, S3URL: "https://" + bucketsAddress + "/" + req.Name, Location: "none", Project: s.project,
		StorageBucketPut: api.StorageBucketPut{Description: req.Description, Config: copyMap(req.Config)},
	}, keys: map[string]*api.StorageBucketKey{}}
	admin := &api.StorageBucketKey{Name: "admin", StorageBucketKeyPut: api.StorageBucketKeyPut{
		Description: "Admin user", Role: "admin", AccessKey: m.newAccessKey(), SecretKey: randomKey(40),
	}}
	b.keys["admin"] = admin
	s.buckets()[req.Name] = b
	writeCreated(w, bucketURL(s.pool.Name, req.Name), admin)
}

func (m *Incus) getBucket(w http.ResponseWriter, _ *http.Request, _ bucketScope, b *mockBucket) {
	writeSync(w, bucketView(b), etagOf(b.Writable()))
}

func (m *Incus) updateBucket(w http.ResponseWriter, r *http.Request, _ bucketScope, b *mockBucket) {
	var req api.StorageBucketPut
	if !decode(w, r, &req) || !ifMatch(w, r, etagOf(b.Writable())) {
		return
	}
	cfg := req.Config
	if r.Method == http.MethodPatch {
		cfg = copyMap(b.Config)
		for k, v := range req.Config {
			cfg[k] = v
		}
	}
	if msg := validateBucketConfig(cfg); msg != "" {
		writeError(w, http.StatusBadRequest, "Failed updating storage bucket: "+msg)
		return
	}
	b.Config = copyMap(cfg)
	b.Description = req.Description
	writeEmpty(w)
}

func (m *Incus) deleteBucket(w http.ResponseWriter, _ *http.Request, s bucketScope, b *mockBucket) {
	delete(s.buckets(), b.Name)
	writeEmpty(w)
}

func (m *Incus) listBucketKeys(w http.ResponseWriter, r *http.Request, s bucketScope, b *mockBucket) {
	names := make([]string, 0, len(b.keys))
	for n := range b.keys {
		names = append(names, n)
	}
	sort.Strings(names)
	if r.URL.Query().Get("recursion") != "" {
		list := make([]api.StorageBucketKey, 0, len(names))
		for _, n := range names {
			list = append(list, *b.keys[n])
		}
		writeSync(w, list, "")
		return
	}
	urls := make([]string, 0, len(names))
	for _, n := range names {
		urls = append(urls, bucketURL(s.pool.Name, b.Name)+"/keys/"+n)
	}
	writeSync(w, urls, "")
}

// checkKey is incusd's answer to a key's name, role and access key.
func (m *Incus) checkKey(b *mockBucket, name string, put api.StorageBucketKeyPut) (int, string) {
	switch {
	case name == "":
		return http.StatusInternalServerError, "Key name is required"
	case put.Role != "admin" && put.Role != "read-only":
		return http.StatusInternalServerError, "Invalid key role"
	}
	if put.AccessKey != "" {
		for _, pool := range m.pools {
			for _, buckets := range pool.buckets {
				for _, other := range buckets {
					for _, k := range other.keys {
						if k.AccessKey == put.AccessKey && (other != b || k.Name != name) {
							return http.StatusConflict, "A bucket key using that access key already exists on this server"
						}
					}
				}
			}
		}
	}
	return 0, ""
}

func (m *Incus) createBucketKey(w http.ResponseWriter, r *http.Request, s bucketScope, b *mockBucket) {
	var req api.StorageBucketKeysPost
	if !decode(w, r, &req) {
		return
	}
	if status, msg := m.checkKey(b, req.Name, req.StorageBucketKeyPut); msg != "" {
		writeError(w, status, "Failed creating storage bucket key: "+msg)
		return
	}
	if b.keys[req.Name] != nil {
		writeError(w, http.StatusConflict, "Failed creating storage bucket key: A bucket key for that name already exists")
		return
	}
	k := &api.StorageBucketKey{Name: req.Name, StorageBucketKeyPut: req.StorageBucketKeyPut}
	if k.AccessKey == "" {
		k.AccessKey = m.newAccessKey()
	}
	if k.SecretKey == "" {
		k.SecretKey = randomKey(40)
	}
	b.keys[req.Name] = k
	writeCreated(w, bucketURL(s.pool.Name, b.Name)+"/keys/"+req.Name, k)
}

func (m *Incus) getBucketKey(w http.ResponseWriter, _ *http.Request, _ *mockBucket, k *api.StorageBucketKey) {
	writeSync(w, k, etagOf(k.Writable()))
}

// updateBucketKey replaces a key's description and role; an empty access
// or secret key keeps the current one.
func (m *Incus) updateBucketKey(w http.ResponseWriter, r *http.Request, b *mockBucket, k *api.StorageBucketKey) {
	var req api.StorageBucketKeyPut
	if !decode(w, r, &req) || !ifMatch(w, r, etagOf(k.Writable())) {
		return
	}
	if status, msg := m.checkKey(b, k.Name, req); msg != "" {
		writeError(w, status, "Failed updating storage bucket key: "+msg)
		return
	}
	if req.AccessKey == "" {
		req.AccessKey = k.AccessKey
	}
	if req.SecretKey == "" {
		req.SecretKey = k.SecretKey
	}
	k.StorageBucketKeyPut = req
	writeEmpty(w)
}

func (m *Incus) deleteBucketKey(w http.ResponseWriter, _ *http.Request, b *mockBucket, k *api.StorageBucketKey) {
	delete(b.keys, k.Name)
	writeEmpty(w)
}

// newAccessKey makes an access key no other key has.
func (m *Incus) newAccessKey() string {
	return strings.ToUpper(randomKey(20))
}

const keyChars = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomKey(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = keyChars[int(b[i])%len(keyChars)]
	}
	return string(b)
}
