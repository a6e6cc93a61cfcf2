// Package provider is the rack provider itself: its schema, Configure (the
// Incus remotes in config_incus.go, the PiKVMs in config_pikvm.go) and the
// list of every resource and data source type, the one place that imports
// every area package (incus/<area>, pikvm).
package provider

import (
	"context"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/bucket"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/cluster"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/image"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/instance"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/network"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/profile"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/project"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/snapshot"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/storage"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/trust"
	"github.com/rackform/terraform-provider-rack/internal/provider/pikvm"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

// rackProvider is the provider of type "rack".
type rackProvider struct {
	version string
}

var _ provider.ProviderWithEphemeralResources = (*rackProvider)(nil)

// New returns a constructor of the provider at the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &rackProvider{version: version} }
}

type providerModel struct {
	IncusConfigDir types.String       `tfsdk:"incus_config_dir"`
	DefaultRemote  types.String       `tfsdk:"default_remote"`
	IncusRemotes   []incusRemoteModel `tfsdk:"incus_remote"`
	DefaultPiKVM   types.String       `tfsdk:"default_pikvm"`
	PiKVMs         []pikvmModel       `tfsdk:"pikvm"`
}

func (p *rackProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "rack"
	resp.Version = p.version
}

func (p *rackProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Manages a rack of machines: Incus instances on them and, through PiKVM, their power and virtual media.",
		Attributes: map[string]schema.Attribute{
			"incus_config_dir": schema.StringAttribute{
				Optional:    true,
				Description: "Directory of the incus command line client's configuration, whose remotes (and client certificate) the provider reads so that `incus remote add` users need no HCL. Defaults to `$INCUS_CONF`, then `~/.config/incus`. Remotes declared in `incus_remote` blocks override remotes of the same name.",
			},
			"default_pikvm": schema.StringAttribute{
				Optional:    true,
				Description: "The PiKVM used by PiKVM resources that name none. Defaults to the only `pikvm` block, or to the device described by the `PIKVM_*` environment variables (named `default`).",
			},
			"default_remote": schema.StringAttribute{
				Optional:    true,
				Description: "The Incus remote used by resources that name none. Defaults to the only `incus_remote` block when there is exactly one, else the incus client's default remote, else `local` (the local unix socket).",
				Validators:  []validator.String{fw.BlockNameValidator},
			},
		},
		Blocks: map[string]schema.Block{
			"pikvm": pikvmBlock(),
			"incus_remote": schema.ListNestedBlock{
				Description: "An Incus server the provider can manage: a unix socket or an HTTPS endpoint.",
				Validators:  []validator.List{listvalidator.UniqueValues()},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							Required:    true,
							Description: "Name of the remote; resources select it with their `remote` attribute.",
							Validators:  []validator.String{fw.BlockNameValidator},
						},
						"address": schema.StringAttribute{
							Optional:    true,
							Description: "`unix://` (the local default socket, honouring `INCUS_SOCKET` and `INCUS_DIR`), `unix:///path/to/unix.socket`, or `https://host:8443`. Defaults to `unix://`.",
						},
						"client_certificate": schema.StringAttribute{
							Optional:    true,
							Description: "PEM client certificate for an https remote. Defaults to the incus client's certificate when its configuration has one.",
						},
						"client_key": schema.StringAttribute{
							Optional:    true,
							Sensitive:   true,
							Description: "PEM private key of `client_certificate`.",
						},
						"server_certificate": schema.StringAttribute{
							Optional:    true,
							Description: "PEM certificate of the server, pinned instead of trusting the system CAs (for self-signed Incus servers).",
						},
						"trust_token": schema.StringAttribute{
							Optional:    true,
							Sensitive:   true,
							Description: "Trust token (`incus config trust add`) used on first contact to make the server trust the client certificate.",
						},
						"project": schema.StringAttribute{
							Optional:    true,
							Description: "Default project of resources on this remote. Defaults to `default`.",
						},
					},
				},
			},
		},
	}
}

func (p *rackProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	client := configureIncus(ctx, cfg, p.version, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	devices := configurePiKVMs(cfg, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	data := &providerdata.Data{Incus: client, PiKVMs: devices}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
}

func (p *rackProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		instance.NewResource,
		image.NewResource,
		profile.NewResource,
		cluster.NewServerResource,
		cluster.NewGroupResource,
		cluster.NewMemberResource,
		project.NewResource,
		bucket.NewResource,
		bucket.NewKeyResource,
		storage.NewPoolResource,
		storage.NewVolumeResource,
		storage.NewVolumeSnapshotResource,
		network.NewResource,
		network.NewZoneResource,
		network.NewRecordResource,
		network.NewACLResource,
		network.NewAddressSetResource,
		network.NewForwardResource,
		network.NewLoadBalancerResource,
		network.NewIntegrationResource,
		network.NewPeerResource,
		pikvm.NewPowerResource,
		pikvm.NewMSDImageResource,
		pikvm.NewMSDDriveResource,
		pikvm.NewGPIOOutputResource,
		snapshot.NewResource,
		trust.NewCertificateResource,
	}
}

func (p *rackProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		instance.NewDataSource,
		image.NewDataSource,
		profile.NewDataSource,
		cluster.NewGroupDataSource,
		cluster.NewClusterDataSource,
		project.NewDataSource,
		bucket.NewDataSource,
		storage.NewPoolDataSource,
		storage.NewVolumeDataSource,
		network.NewDataSource,
		network.NewZoneDataSource,
		network.NewACLDataSource,
		network.NewAddressSetDataSource,
		network.NewForwardDataSource,
		network.NewLoadBalancerDataSource,
		network.NewIntegrationDataSource,
		network.NewPeerDataSource,
		pikvm.NewDeviceDataSource,
		pikvm.NewPowerDataSource,
		pikvm.NewMSDDataSource,
		pikvm.NewGPIODataSource,
		trust.NewCertificateDataSource,
	}
}

// EphemeralResources are the types whose values never reach plan or state.
func (p *rackProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		trust.NewTrustTokenEphemeralResource,
	}
}

// clientLogger is the go-hclog logger handed to the client packages. Terraform
// collects the provider's stderr into its log when TF_LOG or TF_LOG_PROVIDER
// is set; otherwise the client stays silent. Clients never log secrets.
func clientLogger(name string) hclog.Logger {
	level := hclog.LevelFromString(os.Getenv("TF_LOG_PROVIDER"))
	if level == hclog.NoLevel {
		level = hclog.LevelFromString(os.Getenv("TF_LOG"))
	}
	if level == hclog.NoLevel {
		level = hclog.Off
	}
	return hclog.New(&hclog.LoggerOptions{Name: name, Level: level, Output: os.Stderr})
}
