// Package provider is the Terraform glue of terraform-provider-rack: schemas,
// plans and state. It talks to hosts only through the client packages
// (internal/incus, internal/pikvm) and turns their typed errors into
// diagnostics in diagnostics.go.
package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/rackform/terraform-provider-rack/internal/incus"
)

// rackProvider is the provider of type "rack".
type rackProvider struct {
	version string
}

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

type incusRemoteModel struct {
	Name              types.String `tfsdk:"name"`
	Address           types.String `tfsdk:"address"`
	ClientCertificate types.String `tfsdk:"client_certificate"`
	ClientKey         types.String `tfsdk:"client_key"`
	ServerCertificate types.String `tfsdk:"server_certificate"`
	TrustToken        types.String `tfsdk:"trust_token"`
	Project           types.String `tfsdk:"project"`
}

// providerData is what resources and data sources get from Configure.
type providerData struct {
	Incus  *incus.Client
	PiKVMs *pikvmDevices
}

func (p *rackProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "rack"
	resp.Version = p.version
}

var remoteNameValidator = stringvalidator.RegexMatches(remoteNameRE, "must be a remote name: letters, digits, '.', '_' and '-'")

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
				Validators:  []validator.String{remoteNameValidator},
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
							Validators:  []validator.String{remoteNameValidator},
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

	remotes, cliDefault, err := incus.LoadCLIRemotes(cfg.IncusConfigDir.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("incus_config_dir"), "Unreadable incus client configuration",
			fmt.Sprintf("The incus client configuration could not be read: %s\n\nFix or remove the file, or point incus_config_dir elsewhere.", err))
		return
	}
	if _, ok := remotes["local"]; !ok {
		remotes["local"] = incus.Remote{Name: "local", Address: "unix://"}
	}

	for i, rm := range cfg.IncusRemotes {
		if rm.Name.IsUnknown() || rm.Address.IsUnknown() || rm.ClientCertificate.IsUnknown() || rm.ClientKey.IsUnknown() ||
			rm.ServerCertificate.IsUnknown() || rm.TrustToken.IsUnknown() || rm.Project.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root("incus_remote").AtListIndex(i), "Incus remote not known until apply",
				"The provider must be configured before resources are planned; use values known at plan time for incus_remote.\n\n"+
					"Under terraform test, a variable the module does not declare (set with -var or TF_VAR_) is read as an expression and is unknown when it does not parse: "+
					"quote a string value, as in -var 'incus_socket=\"/tmp/incus.sock\"'.")
			return
		}
		r := incus.Remote{
			Name:       rm.Name.ValueString(),
			Address:    rm.Address.ValueString(),
			ClientCert: rm.ClientCertificate.ValueString(),
			ClientKey:  rm.ClientKey.ValueString(),
			ServerCert: rm.ServerCertificate.ValueString(),
			TrustToken: rm.TrustToken.ValueString(),
			Project:    rm.Project.ValueString(),
		}
		if r.Address == "" {
			r.Address = "unix://"
		}
		if cli, ok := remotes[r.Name]; ok && !r.IsUnix() && r.ClientCert == "" {
			// Keep the certificate the incus client uses for this remote.
			r.ClientCert, r.ClientKey = cli.ClientCert, cli.ClientKey
			if r.ServerCert == "" {
				r.ServerCert = cli.ServerCert
			}
		}
		if err := r.Validate(); err != nil {
			var fe *incus.FieldError
			attr := "address"
			if errors.As(err, &fe) {
				attr = fe.Field
			}
			resp.Diagnostics.AddAttributeError(path.Root("incus_remote").AtListIndex(i).AtName(attr),
				fmt.Sprintf("Invalid Incus remote %q", r.Name), err.Error())
			continue
		}
		remotes[r.Name] = r
	}
	if resp.Diagnostics.HasError() {
		return
	}

	defaultRemote := cfg.DefaultRemote.ValueString()
	switch {
	case defaultRemote != "":
	case len(cfg.IncusRemotes) == 1:
		defaultRemote = cfg.IncusRemotes[0].Name.ValueString()
	case cliDefault != "":
		defaultRemote = cliDefault
	default:
		defaultRemote = "local"
	}
	if _, ok := remotes[defaultRemote]; !ok {
		resp.Diagnostics.AddAttributeError(path.Root("default_remote"), "Unknown default remote",
			fmt.Sprintf("default_remote is %q, but no incus_remote block or incus client remote has that name.", defaultRemote))
		return
	}
	fromBlock := slices.ContainsFunc(cfg.IncusRemotes, func(rm incusRemoteModel) bool { return rm.Name.ValueString() == defaultRemote })
	if summary, detail, ok := defaultSocketWarning(remotes[defaultRemote], fromBlock, runningTest(), isUnixSocket); ok {
		resp.Diagnostics.AddWarning(summary, detail)
	}

	client, err := incus.New(incus.Options{
		Remotes:       remotes,
		DefaultRemote: defaultRemote,
		UserAgent:     "terraform-provider-rack/" + p.version,
		Logger:        clientLogger("incus"),
	})
	if err != nil {
		resp.Diagnostics.AddError("Unable to set up the Incus client", err.Error())
		return
	}
	tflog.Debug(ctx, "configured Incus remotes", map[string]any{"remotes": client.RemoteNames(), "default": defaultRemote})
	devices := configurePiKVMs(cfg, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	data := &providerData{Incus: client, PiKVMs: devices}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *rackProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newIncusInstanceResource,
		newPiKVMPowerResource,
		newPiKVMMSDImageResource,
		newPiKVMMSDDriveResource,
		newPiKVMGPIOOutputResource,
	}
}

func (p *rackProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newIncusInstanceDataSource,
		newPiKVMDeviceDataSource,
		newPiKVMPowerDataSource,
		newPiKVMMSDDataSource,
		newPiKVMGPIODataSource,
	}
}

// dataFrom extracts the provider data handed to a resource or data source.
func dataFrom(raw any, diags interface{ AddError(string, string) }) *providerData {
	if raw == nil {
		return nil // not configured yet (validation)
	}
	d, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *providerData, got %T; please report this bug", raw))
		return nil
	}
	return d
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
