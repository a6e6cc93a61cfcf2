package storage

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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

// poolDrivers are the storage drivers incusd 6.0 knows.
var poolDrivers = []string{"btrfs", "ceph", "cephfs", "cephobject", "dir", "linstor", "lvm", "lvmcluster", "zfs"}

// poolFilledKeys are the pool keys the drivers fill in when not given (the
// directory or loop file, its size, the names of the underlying zpool,
// volume group or ceph pool).
var poolFilledKeys = map[string]bool{
	"source": true, "size": true, "zfs.pool_name": true,
	"lvm.vg_name": true, "lvm.thinpool_name": true, "lvm.thinpool_metadata_size": true,
	"ceph.cluster_name": true, "ceph.osd.pg_num": true, "ceph.osd.pool_name": true, "ceph.user.name": true,
	"cephfs.cluster_name": true, "cephfs.path": true, "cephfs.user.name": true,
	"cephobject.cluster_name": true, "cephobject.user.name": true,
	"linstor.resource_group.name": true, "linstor.resource_group.place_count": true,
}

func poolFilled(key string) bool { return poolFilledKeys[key] }

// poolModel is the state of rack_incus_storage_pool.
type poolModel struct {
	configobject.Base
	Driver       types.String `tfsdk:"driver"`
	Target       types.String `tfsdk:"target"`
	MemberConfig types.Map    `tfsdk:"member_config"`
	UsedBy       types.List   `tfsdk:"used_by"`
}

func (m *poolModel) put(ctx context.Context, diags *diag.Diagnostics) incus.StoragePoolPut {
	cfg := fw.StringMap(ctx, m.Config, diags)
	if cfg == nil {
		cfg = map[string]string{}
	}
	return incus.StoragePoolPut{Description: m.Description.ValueString(), Config: cfg}
}

var poolType = &configobject.Type[poolModel, incus.StoragePool]{
	Name:  "storage_pool",
	Title: "Storage Pool",
	CLI:   "storage",
	Description: "An Incus storage pool. Pools belong to the whole server (no project). " +
		"Incus cannot rename a pool: a new name replaces it. " +
		"Keys the driver fills in when not set (`source`, the `size` of a loop file, `zfs.pool_name`, `lvm.vg_name`, ...) and `volatile.*` keys are not drift; set them in `config` to manage them. " +
		"Deleting a pool that volumes, profiles or instances still use is refused, and the error lists them; the pool stays in state.",
	Target: true,
	Attributes: map[string]schema.Attribute{
		"driver": schema.StringAttribute{Required: true,
			Description:   "Storage driver: one of `" + strings.Join(poolDrivers, "`, `") + "`. Changing it replaces the pool.",
			Validators:    []validator.String{stringvalidator.OneOf(poolDrivers...)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"target": targetAttribute("pool"),
		"member_config": incusattr.MemberConfigAttribute("pool", "Clusters only: the member-specific config of each cluster member, as a map of member name to config map (for example `{ node1 = { source = \"/dev/sdb\" } }`). "+
			"The pool is first defined on each member with its config (`incus storage create --target`), then created with `config`. "+
			"Member-specific keys cannot change once the pool exists, so a change replaces the pool; they are not read back. Conflicts with `target`."),
		"used_by": usedByAttribute("pool"),
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("storage pool", slashProblem)},
	Timeouts:       storageTimeouts,
	Filled:         poolFilled,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.StoragePool], error) {
		p, err := c.GetStoragePool(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.StoragePool]{}, err
		}
		return configobject.Object[incus.StoragePool]{Value: p, ETag: p.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *poolModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		members := incusattr.MemberConfigs(ctx, m.MemberConfig, diags)
		if diags.HasError() {
			return nil
		}
		driver := m.Driver.ValueString()
		err := incusattr.ForEachMember(s, members, func(at incus.Scope, config map[string]string) error {
			return c.CreateStoragePool(ctx, at, incus.StoragePoolSpec{Name: k.Name, Driver: driver, StoragePoolPut: incus.StoragePoolPut{Config: config}})
		})
		if err != nil {
			return err
		}
		return c.CreateStoragePool(ctx, s, incus.StoragePoolSpec{Name: k.Name, Driver: driver, StoragePoolPut: put})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *poolModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		cur, err := c.GetStoragePool(ctx, s, k.Name)
		if err != nil {
			return err
		}
		incusattr.KeepFilled(put.Config, cur.Config, poolFilled)
		return c.UpdateStoragePool(ctx, s, k.Name, put, etag)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *poolModel) error {
		s.Target = "" // a pool is deleted from the whole cluster at once
		return c.DeleteStoragePool(ctx, s, k.Name)
	},
	Read: func(_ context.Context, m *poolModel, p *incus.StoragePool, _ *diag.Diagnostics) {
		m.Description = types.StringValue(p.Description)
		m.Driver = types.StringValue(p.Driver)
		m.Config = incusattr.ConfigFromAPI(p.Config, m.Config, poolFilled)
		m.UsedBy = fw.StringListValue(p.UsedBy)
		m.MemberConfig = incusattr.MemberConfigFromAPI(m.MemberConfig)
	},
}

// NewPoolResource is rack_incus_storage_pool.
func NewPoolResource() resource.Resource { return configobject.NewResource(poolType)() }

// NewPoolDataSource is data.rack_incus_storage_pool.
func NewPoolDataSource() datasource.DataSource { return configobject.NewDataSource(poolType)() }
