// Package bucket is rack_incus_storage_bucket (resource and data source)
// and rack_incus_storage_bucket_key (resource), on the generic config
// object (internal/provider/incus/configobject).
package bucket

import (
	"context"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// needsMinIO is said in both types' descriptions: the first thing a user
// of a plain local pool meets.
const needsMinIO = "Buckets need a server that can serve them: a local pool (dir, btrfs, lvm, zfs) needs MinIO (the `minio` and `mc` commands) installed on the Incus server, and `core.storage_buckets_address` set for clients to reach it; a pool of driver `cephobject` serves buckets itself. On a server without MinIO, Incus refuses the bucket and the error says so. " +
	"The provider's tests run the bucket types against its mock host only (the test server has no MinIO); against a real Incus they are checked only for that refusal."

var timeouts = fw.TimeoutDefaults{Create: 2 * time.Minute, Read: 2 * time.Minute, Update: 2 * time.Minute, Delete: 2 * time.Minute}

// bucketModel is the state of rack_incus_storage_bucket.
type bucketModel struct {
	configobject.Base
	Project types.String `tfsdk:"project"`
	Pool    types.String `tfsdk:"pool"`
	S3URL   types.String `tfsdk:"s3_url"`
}

func (m *bucketModel) put(ctx context.Context, diags *diag.Diagnostics) incus.StorageBucketPut {
	return incus.StorageBucketPut{Description: m.Description.ValueString(), Config: fw.StringMap(ctx, m.Config, diags)}
}

// bucketNameRE is incusd's rule for bucket names (they are S3 bucket names).
var bucketNameRE = regexp.MustCompile(`^[a-z0-9][\-\.a-z0-9]{2,62}$`)

func bucketNameProblem(name string) string {
	if !bucketNameRE.MatchString(name) {
		return "it must be 3 to 63 lowercase letters, digits, periods or hyphens, starting with a letter or digit"
	}
	return ""
}

var bucketType = &configobject.Type[bucketModel, incus.StorageBucket]{
	Name:  "storage_bucket",
	Title: "Storage Bucket",
	CLI:   "storage bucket",
	Description: "An S3 bucket of an Incus storage pool. Incus makes an `admin` key for each new bucket; manage further keys with `rack_incus_storage_bucket_key`. " +
		"Deleting the bucket deletes its keys and its content. " + needsMinIO,
	InProject: true,
	Parents:   []configobject.Parent{{Attribute: "pool", Description: "Storage pool holding the bucket."}},
	Attributes: map[string]schema.Attribute{
		"s3_url": schema.StringAttribute{Computed: true,
			Description:   "URL of the bucket on the server's S3 endpoint.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("storage bucket", bucketNameProblem)},
	Timeouts:       timeouts,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.StorageBucket], error) {
		b, err := c.GetStorageBucket(ctx, s, k.Parents[0], k.Name)
		if err != nil {
			return configobject.Object[incus.StorageBucket]{}, err
		}
		return configobject.Object[incus.StorageBucket]{Value: b, ETag: b.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *bucketModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateStorageBucket(ctx, s, incus.StorageBucketSpec{Name: k.Name, Pool: k.Parents[0], StorageBucketPut: put})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *bucketModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateStorageBucket(ctx, s, k.Parents[0], k.Name, put, etag)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *bucketModel) error {
		return c.DeleteStorageBucket(ctx, s, k.Parents[0], k.Name)
	},
	Read: func(_ context.Context, m *bucketModel, b *incus.StorageBucket, _ *diag.Diagnostics) {
		m.Description = types.StringValue(b.Description)
		m.Config = incusattr.ConfigFromAPI(b.Config, m.Config, nil)
		if m.Project.IsNull() || m.Project.IsUnknown() {
			// Otherwise keep the project asked for: a project without
			// features.storage.buckets keeps its buckets in default's.
			m.Project = types.StringValue(b.Project)
		}
		m.Pool = types.StringValue(b.Pool)
		m.S3URL = types.StringValue(b.S3URL)
	},
}

// NewResource is rack_incus_storage_bucket.
func NewResource() resource.Resource { return configobject.NewResource(bucketType)() }

// NewDataSource is data.rack_incus_storage_bucket.
func NewDataSource() datasource.DataSource { return configobject.NewDataSource(bucketType)() }
