/**
 * The example fleet `keelson up` creates on first start: a local git repository with a base and
 * two overlays, staging and production, each synced to a logical cluster of its own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const fleetClusters = ['staging', 'production'] as const;

const files: Record<string, string> = {
  'README.md': `# Example fleet

\`base/\` holds the application; \`clusters/<name>/\` is what the logical cluster <name> runs.
Commit here and \`keelson up\` applies it within the GitRepository's interval (or at once with
\`keelson reconcile source fleet\`).
`,
  'base/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - namespace.yaml
  - configmap.yaml
  - deployment.yaml
  - service.yaml
  - ingress.yaml
`,
  'base/namespace.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: web
`,
  'base/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: web
data:
  ENVIRONMENT: base
  GREETING: hello
`,
  'base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: web
  labels: {app: web}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ghcr.io/stefanprodan/podinfo:6.7.0
          ports:
            - {name: http, containerPort: 9898}
          envFrom:
            - configMapRef: {name: web-config}
`,
  'base/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: web
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: http}
`,
  'base/ingress.yaml': `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: web
spec:
  rules:
    - host: web.example.test
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: web, port: {name: http}}
`,
};

for (const [cluster, replicas] of [
  ['staging', 1],
  ['production', 3],
] as const) {
  files[`clusters/${cluster}/kustomization.yaml`] = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
replicas:
  - name: web
    count: ${replicas}
patches:
  - target: {kind: ConfigMap, name: web-config}
    patch: |
      - op: replace
        path: /data/ENVIRONMENT
        value: ${cluster}
  - target: {kind: Ingress, name: web}
    patch: |
      - op: replace
        path: /spec/rules/0/host
        value: web.${cluster}.example.test
`;
}

/** Creates the repository at `dir` unless it exists; returns whether it was created. */
export function createExampleFleet(dir: string): boolean {
  if (existsSync(join(dir, '.git'))) return false;
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Keelson', '-c', 'user.email=keelson@localhost', ...args], {
      cwd: dir,
      stdio: 'pipe',
    });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'Example fleet: a web app on staging and production');
  return true;
}
