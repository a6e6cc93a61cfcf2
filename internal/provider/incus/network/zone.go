package network

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

var zoneLabelRE = regexp.MustCompile(`^[-_a-zA-Z0-9]+$`)

var zoneTimeouts = fw.TimeoutDefaults{Create: 2 * time.Minute, Read: 2 * time.Minute, Update: 2 * time.Minute, Delete: 2 * time.Minute}

// zoneModel is the state of rack_incus_network_zone.
type zoneModel struct {
	configobject.Base
	Project types.String `tfsdk:"project"`
	UsedBy  types.List   `tfsdk:"used_by"`
}

// ZoneNameProblem says why a name is not a DNS zone name ("" when it is):
// dot-separated labels of letters, digits, '-' and '_', each 1-63
// characters not starting or ending with '-', 253 characters at most, no
// trailing dot. incusd 6.0.4 itself takes any non-empty name (even one
// with a slash, which its API paths cannot then reach); its DNS server
// can only serve a zone whose name is a DNS name.
func ZoneNameProblem(name string) string {
	switch {
	case name == "":
		return "it must not be empty"
	case len(name) > 253:
		return "it must be at most 253 characters long"
	case strings.HasSuffix(name, "."):
		return `it must not end with "." (write lab.example.net, not lab.example.net.)`
	}
	for _, label := range strings.Split(name, ".") {
		switch {
		case label == "":
			return "it must not have an empty label (two dots in a row, or a leading dot)"
		case len(label) > 63:
			return "each dot-separated label must be at most 63 characters long"
		case strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-"):
			return `a label must not start or end with "-"`
		case !zoneLabelRE.MatchString(label):
			return "it can only contain letters, digits, '-', '_' and the dots between labels"
		}
	}
	return ""
}

var zoneType = &configobject.Type[zoneModel, incus.NetworkZone]{
	Name:  "network_zone",
	Title: "Network Zone",
	CLI:   "network zone",
	Description: "An Incus network zone: a DNS zone (such as `lab.example.net`) that the Incus server's DNS server serves, with records generated for the instances of the networks that name it " +
		"(a network's `dns.zone.forward`, `dns.zone.reverse.ipv4` or `dns.zone.reverse.ipv6`) and the records you add (rack_incus_network_zone_record). " +
		"Zone names are unique on the whole server, across projects. Incus cannot rename a zone: a new name replaces it. " +
		"Deleting a zone that a network still names is refused, and the error lists those networks. " +
		"The zone lives in its project when that project has `features.networks.zones`, otherwise in the `default` project.",
	InProject: true,
	Attributes: map[string]schema.Attribute{
		"config": schema.MapAttribute{Optional: true, ElementType: types.StringType,
			Description: "Config keys of the network zone, as `incus network zone set` takes them: `dns.nameservers` (comma-separated FQDNs, for the NS records), `network.nat` (whether to generate records for NAT-ed subnets; Incus's default is `true`), " +
				"`peers.NAME.address` and `peers.NAME.key` (a DNS server allowed to transfer the zone, and its TSIG key), and `user.*` keys. " +
				"Incus checks them, and its error is shown as it is. A key changed or added outside Terraform shows as drift.",
			Validators: []validator.Map{mapvalidator.KeysAre(incusattr.ConfigKeyValidator{})}},
		"used_by": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			Description: "The networks that name the zone (`/1.0/networks/lab`, ...), sorted. Read on each refresh; it is never a planned change."},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("network zone", ZoneNameProblem)},
	Timeouts:       zoneTimeouts,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.NetworkZone], error) {
		z, err := c.GetNetworkZone(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.NetworkZone]{}, err
		}
		return configobject.Object[incus.NetworkZone]{Value: z, ETag: z.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *zoneModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateNetworkZone(ctx, s, incus.NetworkZoneSpec{Name: k.Name, NetworkZonePut: put})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *zoneModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateNetworkZone(ctx, s, k.Name, put, etag)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *zoneModel) error {
		return c.DeleteNetworkZone(ctx, s, k.Name)
	},
	Read: func(ctx context.Context, m *zoneModel, z *incus.NetworkZone, diags *diag.Diagnostics) {
		m.Description = types.StringValue(z.Description)
		m.Config = incusattr.ConfigFromAPI(z.Config, m.Config, nil)
		used, d := types.ListValueFrom(ctx, types.StringType, z.UsedBy)
		diags.Append(d...)
		m.UsedBy = used
		// State keeps the project asked for (the zone may live in the
		// default project, see Description); a data source without one
		// gets the remote's.
		if m.Project.IsNull() || m.Project.IsUnknown() {
			m.Project = types.StringValue(z.Project)
		}
	},
}

func (m *zoneModel) put(ctx context.Context, diags *diag.Diagnostics) incus.NetworkZonePut {
	return incus.NetworkZonePut{
		Description: m.Description.ValueString(),
		Config:      fw.StringMap(ctx, m.Config, diags),
	}
}

// NewZoneResource is rack_incus_network_zone.
func NewZoneResource() resource.Resource { return configobject.NewResource(zoneType)() }

// NewZoneDataSource is data.rack_incus_network_zone.
func NewZoneDataSource() datasource.DataSource { return configobject.NewDataSource(zoneType)() }
