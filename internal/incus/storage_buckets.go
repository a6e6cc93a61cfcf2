package incus

import (
	"context"

	"github.com/lxc/incus/v6/shared/api"
)

// StorageBucketPut is what can change on a storage bucket.
type StorageBucketPut struct {
	Description string
	Config      map[string]string
}

// StorageBucket is an S3 bucket of a storage pool, in a project. A server
// without MinIO cannot serve buckets from a local pool: every bucket call
// there is a ValidationError with incusd's text and a Hint saying so.
type StorageBucket struct {
	Name string
	StorageBucketPut
	Pool     string
	Project  string
	S3URL    string
	Location string
	UsedBy   []string // always empty: incusd does not report users of a bucket
	ETag     string
}

// StorageBucketSpec is what CreateStorageBucket sends.
type StorageBucketSpec struct {
	Name string
	Pool string
	StorageBucketPut
}

// StorageBucketKeyPut is what can change on a bucket key. Empty AccessKey
// and SecretKey on create let incusd generate them.
type StorageBucketKeyPut struct {
	Description string
	Role        string // "admin" or "read-only"
	AccessKey   string
	SecretKey   string
}

// StorageBucketKey is an access key of a bucket. Its keys are secrets: they
// are never part of an error.
type StorageBucketKey struct {
	Name string
	StorageBucketKeyPut
	Pool   string
	Bucket string
	ETag   string
}

// StorageBucketKeySpec is what CreateStorageBucketKey sends.
type StorageBucketKeySpec struct {
	Name string
	StorageBucketKeyPut
}

// GetStorageBucket reads a bucket with its ETag in one request.
func (c *Client) GetStorageBucket(ctx context.Context, s Scope, pool, name string) (*StorageBucket, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	b, etag, err := get(ctx, bucketObject(s, pool, name), address, func() (*api.StorageBucket, string, error) {
		return srv.GetStoragePoolBucket(pool, name)
	})
	if err != nil {
		return nil, bucketsUnsupported(blameObject(err, s, pool, ""), s.Remote)
	}
	out := &StorageBucket{
		Name:             b.Name,
		StorageBucketPut: StorageBucketPut{Description: b.Description, Config: copyConfig(b.Config)},
		Pool:             pool,
		Project:          b.Project,
		S3URL:            b.S3URL,
		Location:         b.Location,
		ETag:             etag,
	}
	if out.Project == "" {
		out.Project = s.Project
	}
	return out, nil
}

// CreateStorageBucket creates a bucket (one request). incusd also makes an
// admin key for it (named "admin"), readable with GetStorageBucketKey. A
// taken name is a Conflict naming the import ID `remote:project/pool/name`.
func (c *Client) CreateStorageBucket(ctx context.Context, s Scope, spec StorageBucketSpec) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	req := api.StorageBucketsPost{Name: spec.Name, StorageBucketPut: bucketPut(spec.StorageBucketPut)}
	err = mutate(ctx, "the create request", bucketObject(s, spec.Pool, spec.Name), address, func() error {
		_, err := srv.CreateStoragePoolBucket(spec.Pool, req)
		return err
	})
	return taken(bucketsUnsupported(blameObject(err, s, spec.Pool, ""), s.Remote), ImportID(s, spec.Pool, spec.Name))
}

// UpdateStorageBucket replaces a bucket's description and config, guarded
// by etag when it is not empty.
func (c *Client) UpdateStorageBucket(ctx context.Context, s Scope, pool, name string, put StorageBucketPut, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", bucketObject(s, pool, name), address, func() error {
		return srv.UpdateStoragePoolBucket(pool, name, bucketPut(put), etag)
	})
	return bucketsUnsupported(blameObject(err, s, pool, ""), s.Remote)
}

// DeleteStorageBucket deletes a bucket and its keys. A missing one is NotFound.
func (c *Client) DeleteStorageBucket(ctx context.Context, s Scope, pool, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", bucketObject(s, pool, name), address, func() error {
		return srv.DeleteStoragePoolBucket(pool, name)
	})
	return bucketsUnsupported(blameObject(err, s, pool, ""), s.Remote)
}

// GetStorageBucketKey reads a bucket key, its access and secret keys
// included, with its ETag in one request.
func (c *Client) GetStorageBucketKey(ctx context.Context, s Scope, pool, bucket, name string) (*StorageBucketKey, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	k, etag, err := get(ctx, bucketKeyObject(s, pool, bucket, name), address, func() (*api.StorageBucketKey, string, error) {
		return srv.GetStoragePoolBucketKey(pool, bucket, name)
	})
	if err != nil {
		return nil, bucketsUnsupported(blameObject(err, s, pool, bucket), s.Remote)
	}
	return bucketKeyFromAPI(k, pool, bucket, etag), nil
}

// CreateStorageBucketKey creates a bucket key with the given access and
// secret keys, or, where they are empty, keys incusd generates: the key
// returned holds them (its ETag is empty; GetStorageBucketKey has it). A
// taken name is a Conflict naming the import ID `remote:project/pool/bucket/name`.
func (c *Client) CreateStorageBucketKey(ctx context.Context, s Scope, pool, bucket string, spec StorageBucketKeySpec) (*StorageBucketKey, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	req := api.StorageBucketKeysPost{Name: spec.Name, StorageBucketKeyPut: bucketKeyPut(spec.StorageBucketKeyPut)}
	var made *api.StorageBucketKey
	err = mutate(ctx, "the create request", bucketKeyObject(s, pool, bucket, spec.Name), address, func() error {
		k, err := srv.CreateStoragePoolBucketKey(pool, bucket, req)
		made = k
		return err
	})
	if err != nil {
		return nil, taken(bucketsUnsupported(blameObject(err, s, pool, bucket), s.Remote), ImportID(s, pool, bucket, spec.Name))
	}
	if made == nil {
		made = &api.StorageBucketKey{Name: spec.Name, StorageBucketKeyPut: req.StorageBucketKeyPut}
	}
	return bucketKeyFromAPI(made, pool, bucket, ""), nil
}

// UpdateStorageBucketKey replaces a key's description, role and keys,
// guarded by etag when it is not empty.
func (c *Client) UpdateStorageBucketKey(ctx context.Context, s Scope, pool, bucket, name string, put StorageBucketKeyPut, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", bucketKeyObject(s, pool, bucket, name), address, func() error {
		return srv.UpdateStoragePoolBucketKey(pool, bucket, name, bucketKeyPut(put), etag)
	})
	return bucketsUnsupported(blameObject(err, s, pool, bucket), s.Remote)
}

// DeleteStorageBucketKey deletes a bucket key. A missing one is NotFound.
func (c *Client) DeleteStorageBucketKey(ctx context.Context, s Scope, pool, bucket, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", bucketKeyObject(s, pool, bucket, name), address, func() error {
		return srv.DeleteStoragePoolBucketKey(pool, bucket, name)
	})
	return bucketsUnsupported(blameObject(err, s, pool, bucket), s.Remote)
}

func bucketPut(p StorageBucketPut) api.StorageBucketPut {
	out := api.StorageBucketPut{Description: p.Description, Config: p.Config}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	return out
}

func bucketKeyPut(p StorageBucketKeyPut) api.StorageBucketKeyPut {
	return api.StorageBucketKeyPut{Description: p.Description, Role: p.Role, AccessKey: p.AccessKey, SecretKey: p.SecretKey}
}

func bucketKeyFromAPI(k *api.StorageBucketKey, pool, bucket, etag string) *StorageBucketKey {
	return &StorageBucketKey{
		Name: k.Name,
		StorageBucketKeyPut: StorageBucketKeyPut{
			Description: k.Description,
			Role:        k.Role,
			AccessKey:   k.AccessKey,
			SecretKey:   k.SecretKey,
		},
		Pool:   pool,
		Bucket: bucket,
		ETag:   etag,
	}
}
