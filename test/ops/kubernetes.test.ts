// The Kubernetes manifests checked against the gateway itself: the ConfigMap's providers.yaml
// passes the real config loader, and the ports, probe paths, metrics annotation, shutdown
// timing and environment variables the Deployment sets are the ones that config and the
// gateway use. A renamed setting, port or route fails here rather than in a cluster.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseConfig } from "../../src/config/load.ts";
import { startOpenAIFake } from "../fakes/openai.ts";
import { startTestGateway, stopAll } from "../harness/gateway.ts";

const dir = new URL("../../config/kubernetes/", import.meta.url);

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  file: string;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Container {
  name: string;
  args?: string[];
  ports: { name: string; containerPort: number }[];
  env?: EnvVar[];
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { memory?: string } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    terminationGracePeriodSeconds?: number;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
    containers: Container[];
    volumes?: { name: string; configMap?: { name: string } }[];
  };
}

const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
const manifests: Manifest[] = files
  .filter((f) => f !== "kustomization.yaml")
  .flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(file, dir), "utf8")).map((doc) => {
      expect(doc.errors, file).toEqual([]);
      return { ...(doc.toJS() as Omit<Manifest, "file">), file };
    }),
  );
const find = (kind: string, name: string): Manifest => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in config/kubernetes`);
  return found;
};
const deployment = find("Deployment", "llm-gateway");
const template = deployment.spec?.["template"] as PodTemplate;
const gateway = template.spec.containers.find((c) => c.name === "gateway") as Container;
const configMap = find("ConfigMap", "llm-gateway-config");
const configText = configMap.data?.["providers.yaml"] ?? "";
/** ${VAR} and ${VAR:-default} references in the ConfigMap's providers.yaml. */
const references = [...configText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)].map((m) => ({ name: m[1] ?? "", hasDefault: m[2] !== undefined }));
const envNames = (gateway.env ?? []).map((e) => e.name);
/** What the pod's environment would hold, secrets as placeholders; `withOptional` false leaves out optional secret keys. */
const podEnv = (withOptional: boolean) =>
  Object.fromEntries(
    (gateway.env ?? []).filter((e) => withOptional || e.valueFrom?.secretKeyRef?.optional !== true).map((e) => [e.name, e.value ?? `from-secret-${e.name}`]),
  );
const config = parseConfig(configText, "configmap.yaml", podEnv(true));
const portNamed = (name: string) => gateway.ports.find((p) => p.name === name)?.containerPort;

describe("config/kubernetes", () => {
  it("lists every manifest in the kustomization, and nothing that is not there", () => {
    const kustomization = parseAllDocuments(readFileSync(new URL("kustomization.yaml", dir), "utf8"))[0]?.toJS() as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== "kustomization.yaml").sort());
  });

  it("has a ConfigMap whose providers.yaml the gateway loads, mounted where the container's --config points", () => {
    expect(config.warnings).toEqual([]);
    const args = gateway.args ?? [];
    const path = args[args.indexOf("--config") + 1] ?? "";
    const volume = template.spec.volumes?.find((v) => v.configMap?.name === configMap.metadata.name);
    const mount = gateway.volumeMounts?.find((m) => m.name === volume?.name);
    expect(`${mount?.mountPath}/providers.yaml`).toBe(path);
  });

  it("exposes the config's API and metrics ports, and annotates the metrics port and path for scraping", () => {
    expect(portNamed("http")).toBe(config.raw.server.port);
    expect(portNamed("metrics")).toBe(config.raw.server.metrics.port);
    expect(template.metadata.annotations).toMatchObject({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": String(config.raw.server.metrics.port),
      "prometheus.io/path": "/metrics",
    });
    const service = find("Service", "llm-gateway");
    expect(service.spec?.["ports"]).toEqual([{ name: "http", port: 80, targetPort: "http" }]);
  });

  it("sets every environment variable the config needs without a default, and none it does not read", () => {
    const needed = references.filter((r) => !r.hasDefault).map((r) => r.name);
    expect(needed.length).toBeGreaterThan(0);
    for (const name of needed) expect(envNames, `${name} is referenced by providers.yaml`).toContain(name);
    const read = new Set([...references.map((r) => r.name), "NODE_OPTIONS"]);
    expect(envNames.filter((name) => !read.has(name))).toEqual([]);
    // Secrets come from the Secret by reference, never inline.
    for (const env of gateway.env ?? []) if (env.name !== "NODE_OPTIONS") expect(env.valueFrom?.secretKeyRef?.name, env.name).toBe("llm-gateway-secrets");
  });

  it("points the limits store at the Redis Service that redis.yaml defines unless the Secret names another", () => {
    const minimal = parseConfig(configText, "configmap.yaml", podEnv(false));
    expect(minimal.raw.limits.store).toBe("redis");
    const redis = find("Service", "llm-gateway-redis");
    const port = (redis.spec?.["ports"] as { port: number }[])[0]?.port;
    expect(minimal.raw.limits.redis_url).toBe(`redis://${redis.metadata.name}:${port}`);
    const redisDeployment = find("Deployment", "llm-gateway-redis");
    expect((redis.spec?.["selector"] as Record<string, string>)).toEqual((redisDeployment.spec?.["selector"] as { matchLabels: unknown }).matchLabels);
  });

  it("probes routes the gateway serves, on the API port", async () => {
    expect(gateway.readinessProbe?.httpGet).toEqual({ path: "/ready", port: "http" });
    expect(gateway.livenessProbe?.httpGet).toEqual({ path: "/health", port: "http" });
    const fake = await startOpenAIFake();
    const gw = await startTestGateway({ providers: { p: { type: "openai", base_url: `${fake.origin}/v1` } }, models: { m: { targets: [{ provider: "p", model: "m" }] } } });
    try {
      for (const path of [gateway.readinessProbe?.httpGet?.path, gateway.livenessProbe?.httpGet?.path]) {
        expect((await fetch(`${gw.url}${path}`)).status, path).toBe(200);
      }
    } finally {
      await stopAll(gw, fake);
    }
  });

  it("gives in-flight requests the config's shutdown grace after the preStop pause", () => {
    const pause = Number(gateway.lifecycle?.preStop?.exec?.command.at(-1));
    expect(pause).toBeGreaterThan(0);
    const grace = template.spec.terminationGracePeriodSeconds ?? 30;
    expect(grace * 1000).toBeGreaterThan(config.raw.server.shutdown_grace_ms + pause * 1000);
  });

  it("runs three non-root replicas on a read-only root filesystem with requests and a memory limit", () => {
    expect(deployment.spec?.["replicas"]).toBe(3);
    expect(template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(gateway.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(gateway.resources?.requests?.cpu).toBeDefined();
    expect(gateway.resources?.requests?.memory).toBeDefined();
    expect(gateway.resources?.limits?.memory).toBeDefined();
  });

  it("scales on CPU and keeps a majority up through disruptions, selecting the Deployment's pods", () => {
    const hpa = find("HorizontalPodAutoscaler", "llm-gateway");
    expect(hpa.spec?.["scaleTargetRef"]).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name });
    expect(hpa.spec?.["minReplicas"]).toBe(deployment.spec?.["replicas"]);
    expect(JSON.stringify(hpa.spec?.["metrics"])).toContain('"name":"cpu"');
    const selector = (deployment.spec?.["selector"] as { matchLabels: Record<string, string> }).matchLabels;
    expect(template.metadata.labels).toMatchObject(selector);
    expect((find("PodDisruptionBudget", "llm-gateway").spec?.["selector"] as { matchLabels: unknown }).matchLabels).toEqual(selector);
    expect(find("Service", "llm-gateway").spec?.["selector"]).toEqual(selector);
  });
});
