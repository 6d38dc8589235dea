/**
 * Bodies kubectl 1.32.4 posted as application/vnd.kubernetes.protobuf, captured from the wire, each
 * with what the same command prints with `--dry-run=client -o json`: the object it would have sent
 * as JSON.
 */
export const capturedKinds: Record<string, { command: string; body: string; json: unknown }> = {
  deployment: {
    command: 'kubectl create deployment web --image=example.com/web:1 --replicas=2 --port=8080',
    body: '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412c3010a1f0a0377656212001a0022002a003200380042005a0a0a0361707012037765621291010802120c0a0a0a0361707012037765621a770a1c0a0012001a0022002a003200380042005a0a0a036170701203776562125712390a0377656212116578616d706c652e636f6d2f7765623a312a00320b0a00100018903f22002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
    json: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'web', image: 'example.com/web:1', ports: [{ containerPort: 8080 }], resources: {} },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    },
  },
  deploymentZero: {
    command: 'kubectl create deployment idle --image=example.com/idle:1 --replicas=0',
    body: '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bc010a210a0469646c6512001a0022002a003200380042005a0b0a03617070120469646c651288010800120d0a0b0a03617070120469646c651a6d0a1d0a0012001a0022002a003200380042005a0b0a03617070120469646c65124c122e0a0469646c6512126578616d706c652e636f6d2f69646c653a312a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
    json: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'idle', creationTimestamp: null, labels: { app: 'idle' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'idle' } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'idle' } },
          spec: { containers: [{ name: 'idle', image: 'example.com/idle:1', resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    },
  },
  jobFromCronJob: {
    command: 'kubectl create job once --from=cronjob/nightly (the CronJob of protobuf-kubectl.test.ts)',
    body: '6b3873000a0f0a0862617463682f763112034a6f6212ef0d0aa2010a046f6e636512001a0022002a003200380042005a0e0a036a6f6212076e696768746c79622b0a2163726f6e6a6f622e6b756265726e657465732e696f2f696e7374616e746961746512066d616e75616c62090a046e6f74651201786a440a0743726f6e4a6f621a076e696768746c79222439643432616134662d633131612d343935392d623431322d6430633638313637646638302a0862617463682f7631300112bd0c0801100118901c32e80b0a200a0012001a0022002a003200380042005a0e0a036a6f6212076e696768746c7912c30b0a1b0a0464617461121312110a064d656d6f727912070a053235364d690a340a03636667122d9a012a0a0a0a0873657474696e677312170a086170702e636f6e6612086170702e636f6e6618800218900220010a150a03736563120e320c0a05637265647318a40320000a460a0470726f6a123ed2013b0a11220f0a0361706910901c1a05746f6b656e0a2312210a1f0a066c6162656c7312150a027631120f6d657461646174612e6c6162656c7310a4030a110a03707663120a52080a046461746110010a1f0a04686f737412170a150a082f7661722f6c6f6712094469726563746f72790a510a03657068124aea01470a450a100a0012001a0022002a0032003800420012310a0d5265616457726974654f6e6365121212100a0773746f7261676512050a033147691a00320a46696c6573797374656d12ef040a046d61696e12116578616d706c652e636f6d2f65746c3a32220e2d2d646174653d242844415445292a052f776f726b32150a076d657472696373100018824722035443502a003a0d0a04444154451205746f6461793a090a05454d50545912003a1e0a03504f4412001a150a130a027631120d6d657461646174612e6e616d653a210a045041535312001a1722150a070a056372656473120870617373776f726418003a270a034d454d12001a1e121c0a046d61696e120d6c696d6974732e6d656d6f72791a050a03314d69425c0a0a0a0363707512030a01310a1a0a11657068656d6572616c2d73746f7261676512050a033147690a110a066d656d6f727912070a053132384d69120d0a0363707512060a043235306d12100a066d656d6f727912060a0436344d694a130a046461746110001a052f64617461220032004a1d0a0363666710011a082f6574632f63666722086170702e636f6e66320052370a2b12290a082f6865616c74687a120d080110001a076d6574726963731a002204485454502a060a015812017910051801200a280130035a190a0d1a0b0a0708001082471a00120010001802200a2801300362190a110a0f0a046563686f0a07737461727465641204220208056a142f6465762f7465726d696e6174696f6e2d6c6f67720c49664e6f7450726573656e747a1f0a170a104e45545f42494e445f534552564943451203414c4c1000300138008001008801009001009a01140a044346475f120c0a0a0a0873657474696e6773a2011546616c6c6261636b546f4c6f67734f6e4572726f72b201210a130a110a036361740a0a2f746d702f726561647910001801200a2801300338011a054e657665722000320c436c757374657246697273743a0b0a046469736b12037373644205726f626f744a005200580060006800723c10e807180120b81720a01f28d00f3a1a0a126e65742e636f72652e736f6d6178636f6e6e12043130323452100a0e52756e74696d6544656661756c748201008a010092016e0a380a140a120a100a047a6f6e651202496e1a01611a01621220080a121c121a0a0d6d657461646174612e6e616d6512054e6f74496e1a026e311a3212300864122c0a100a0e0a036a6f6212076e696768746c791a166b756265726e657465732e696f2f686f73746e616d6522009a011164656661756c742d7363686564756c6572a201680a04696e6974120c62757379626f783a312e33361a0273681a022d631a096563686f20696e69742a0042006a142f6465762f7465726d696e6174696f6e2d6c6f67720c49664e6f7450726573656e74800100880100900100a2010446696c65c20106416c77617973a80100b201250a096465646963617465641205457175616c1a056261746368220a4e6f5363686564756c65b2011a0a0012064578697374731a0022094e6f4578656375746528ac02ba01140a0831302e302e302e31120864622e6c6f63616cc20100c80100d201150a07312e312e312e311a0a0a056e646f7473120132f001008a022c080112047a6f6e651a0e5363686564756c65416e7977617922100a0e0a036a6f6212076e696768746c7928023800403c4a0a4e6f6e496e646578656450005a370a110a074661696c4a6f6212061202496e182a0a220a0649676e6f72651a180a1044697372757074696f6e5461726765741204547275651a082000280030003a001a002200',
    json: {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: {
        name: 'once',
        creationTimestamp: null,
        labels: { job: 'nightly' },
        annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', note: 'x' },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: 'nightly',
            uid: '9d42aa4f-c11a-4959-b412-d0c68167df80',
            controller: true,
          },
        ],
      },
      spec: {
        parallelism: 1,
        completions: 1,
        activeDeadlineSeconds: 3600,
        podFailurePolicy: {
          rules: [
            { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } },
            { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          ],
        },
        backoffLimit: 0,
        template: {
          metadata: { creationTimestamp: null, labels: { job: 'nightly' } },
          spec: {
            volumes: [
              { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } },
              {
                name: 'cfg',
                configMap: {
                  name: 'settings',
                  items: [{ key: 'app.conf', path: 'app.conf', mode: 256 }],
                  defaultMode: 272,
                  optional: true,
                },
              },
              { name: 'sec', secret: { secretName: 'creds', defaultMode: 420, optional: false } },
              {
                name: 'proj',
                projected: {
                  sources: [
                    { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
                    {
                      downwardAPI: {
                        items: [
                          { path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } },
                        ],
                      },
                    },
                  ],
                  defaultMode: 420,
                },
              },
              { name: 'pvc', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
              { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
              {
                name: 'eph',
                ephemeral: {
                  volumeClaimTemplate: {
                    metadata: { creationTimestamp: null },
                    spec: {
                      accessModes: ['ReadWriteOnce'],
                      resources: { requests: { storage: '1Gi' } },
                      volumeMode: 'Filesystem',
                    },
                  },
                },
              },
            ],
            initContainers: [
              {
                name: 'init',
                image: 'busybox:1.36',
                command: ['sh', '-c', 'echo init'],
                resources: {},
                restartPolicy: 'Always',
                terminationMessagePath: '/dev/termination-log',
                terminationMessagePolicy: 'File',
                imagePullPolicy: 'IfNotPresent',
              },
            ],
            containers: [
              {
                name: 'main',
                image: 'example.com/etl:2',
                args: ['--date=$(DATE)'],
                workingDir: '/work',
                ports: [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
                envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings' } }],
                env: [
                  { name: 'DATE', value: 'today' },
                  { name: 'EMPTY' },
                  { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
                  {
                    name: 'PASS',
                    valueFrom: { secretKeyRef: { name: 'creds', key: 'password', optional: false } },
                  },
                  {
                    name: 'MEM',
                    valueFrom: {
                      resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' },
                    },
                  },
                ],
                resources: {
                  limits: { cpu: '1', 'ephemeral-storage': '1Gi', memory: '128Mi' },
                  requests: { cpu: '250m', memory: '64Mi' },
                },
                volumeMounts: [
                  { name: 'data', mountPath: '/data' },
                  { name: 'cfg', readOnly: true, mountPath: '/etc/cfg', subPath: 'app.conf' },
                ],
                livenessProbe: {
                  httpGet: {
                    path: '/healthz',
                    port: 'metrics',
                    scheme: 'HTTP',
                    httpHeaders: [{ name: 'X', value: 'y' }],
                  },
                  initialDelaySeconds: 5,
                  timeoutSeconds: 1,
                  periodSeconds: 10,
                  successThreshold: 1,
                  failureThreshold: 3,
                },
                readinessProbe: {
                  tcpSocket: { port: 9090 },
                  timeoutSeconds: 2,
                  periodSeconds: 10,
                  successThreshold: 1,
                  failureThreshold: 3,
                },
                startupProbe: {
                  exec: { command: ['cat', '/tmp/ready'] },
                  timeoutSeconds: 1,
                  periodSeconds: 10,
                  successThreshold: 1,
                  failureThreshold: 3,
                  terminationGracePeriodSeconds: 1,
                },
                lifecycle: {
                  postStart: { exec: { command: ['echo', 'started'] } },
                  preStop: { sleep: { seconds: 5 } },
                },
                terminationMessagePath: '/dev/termination-log',
                terminationMessagePolicy: 'FallbackToLogsOnError',
                imagePullPolicy: 'IfNotPresent',
                securityContext: {
                  capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  allowPrivilegeEscalation: false,
                },
              },
            ],
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 0,
            dnsPolicy: 'ClusterFirst',
            nodeSelector: { disk: 'ssd' },
            serviceAccountName: 'robot',
            automountServiceAccountToken: false,
            securityContext: {
              runAsUser: 1000,
              runAsNonRoot: true,
              supplementalGroups: [3000, 4000],
              fsGroup: 2000,
              sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
              seccompProfile: { type: 'RuntimeDefault' },
            },
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] },
                  ],
                },
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 10,
                    preference: {
                      matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }],
                    },
                  },
                ],
              },
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    podAffinityTerm: {
                      labelSelector: { matchLabels: { job: 'nightly' } },
                      topologyKey: 'kubernetes.io/hostname',
                      namespaceSelector: {},
                    },
                  },
                ],
              },
            },
            schedulerName: 'default-scheduler',
            tolerations: [
              { key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' },
              { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
            ],
            hostAliases: [{ ip: '10.0.0.1', hostnames: ['db.local'] }],
            priority: 0,
            dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] },
            enableServiceLinks: false,
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'zone',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: { job: 'nightly' } },
                minDomains: 2,
              },
            ],
          },
        },
        ttlSecondsAfterFinished: 60,
        completionMode: 'NonIndexed',
        suspend: false,
      },
      status: {},
    },
  },
  cronjob: {
    command:
      "kubectl create cronjob tick2 --image=busybox:1.36 --schedule='*/5 * * * *' --restart=OnFailure -- echo hi",
    body: '6b3873000a130a0862617463682f7631120743726f6e4a6f6212b7010a150a057469636b3212001a0022002a00320038004200129b010a0b2a2f35202a202a202a202a1a002a89010a150a057469636b3212001a0022002a003200380042001270326e0a100a0012001a0022002a00320038004200125a12330a057469636b32120c62757379626f783a312e33361a046563686f1a0268692a0042006a007200800100880100900100a201001a094f6e4661696c757265320042004a0052005800600068008201008a01009a0100c201001a001a002200',
    json: {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: { name: 'tick2', creationTimestamp: null },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: {
          metadata: { name: 'tick2', creationTimestamp: null },
          spec: {
            template: {
              metadata: { creationTimestamp: null },
              spec: {
                containers: [
                  { name: 'tick2', image: 'busybox:1.36', command: ['echo', 'hi'], resources: {} },
                ],
                restartPolicy: 'OnFailure',
              },
            },
          },
        },
      },
      status: {},
    },
  },
  job: {
    command: "kubectl create job j2 --image=busybox:1.36 -- sh -c 'echo hi'",
    body: '6b3873000a0f0a0862617463682f763112034a6f621290010a120a026a3212001a0022002a003200380042001270326e0a100a0012001a0022002a00320038004200125a12370a026a32120c62757379626f783a312e33361a0273681a022d631a076563686f2068692a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200',
    json: {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: { name: 'j2', creationTimestamp: null },
      spec: {
        template: {
          metadata: { creationTimestamp: null },
          spec: {
            containers: [
              { name: 'j2', image: 'busybox:1.36', command: ['sh', '-c', 'echo hi'], resources: {} },
            ],
            restartPolicy: 'Never',
          },
        },
      },
      status: {},
    },
  },
  serviceClusterIP: {
    command: 'kubectl create service clusterip api --tcp=80:8080 --tcp=443',
    body: '6b3873000a0d0a0276311207536572766963651283010a1f0a0361706912001a0022002a003200380042005a0a0a036170701203617069125c0a1b0a0738302d38303830120354435018502207080010903f1a0028000a180a03343433120354435018bb032207080010bb031a002800120a0a0361707012036170691a002209436c757374657249503a00420052005a00600068001a020a001a002200',
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'api', creationTimestamp: null, labels: { app: 'api' } },
      spec: {
        ports: [
          { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: '443', protocol: 'TCP', port: 443, targetPort: 443 },
        ],
        selector: { app: 'api' },
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    },
  },
  serviceNodePort: {
    command: 'kubectl create service nodeport np --tcp=80:8080 --node-port=30080',
    body: '6b3873000a0d0a02763112075365727669636512670a1d0a026e7012001a0022002a003200380042005a090a0361707012026e7012420a1d0a0738302d38303830120354435018502207080010903f1a002880eb0112090a0361707012026e701a0022084e6f6465506f72743a00420052005a00600068001a020a001a002200',
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'np', creationTimestamp: null, labels: { app: 'np' } },
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
        selector: { app: 'np' },
        type: 'NodePort',
      },
      status: { loadBalancer: {} },
    },
  },
  serviceLoadBalancer: {
    command: 'kubectl create service loadbalancer lb --tcp=443:8443',
    body: '6b3873000a0d0a027631120753657276696365126b0a1d0a026c6212001a0022002a003200380042005a090a0361707012026c6212460a1d0a083434332d38343433120354435018bb032207080010fb411a00280012090a0361707012026c621a00220c4c6f616442616c616e6365723a00420052005a00600068001a020a001a002200',
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'lb', creationTimestamp: null, labels: { app: 'lb' } },
      spec: {
        ports: [{ name: '443-8443', protocol: 'TCP', port: 443, targetPort: 8443 }],
        selector: { app: 'lb' },
        type: 'LoadBalancer',
      },
      status: { loadBalancer: {} },
    },
  },
  serviceExternalName: {
    command: 'kubectl create service externalname ext --external-name=example.com',
    body: '6b3873000a0d0a027631120753657276696365125a0a1f0a0365787412001a0022002a003200380042005a0a0a0361707012036578741233120a0a0361707012036578741a00220c45787465726e616c4e616d653a004200520b6578616d706c652e636f6d5a00600068001a020a001a002200',
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'ext', creationTimestamp: null, labels: { app: 'ext' } },
      spec: { selector: { app: 'ext' }, type: 'ExternalName', externalName: 'example.com' },
      status: { loadBalancer: {} },
    },
  },
  serviceHeadless: {
    command: 'kubectl create service clusterip headless --clusterip=None',
    body: '6b3873000a0d0a027631120753657276696365125f0a290a08686561646c65737312001a0022002a003200380042005a0f0a036170701208686561646c657373122e120f0a036170701208686561646c6573731a044e6f6e652209436c757374657249503a00420052005a00600068001a020a001a002200',
    json: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'headless', creationTimestamp: null, labels: { app: 'headless' } },
      spec: { selector: { app: 'headless' }, clusterIP: 'None', type: 'ClusterIP' },
      status: { loadBalancer: {} },
    },
  },
  role: {
    command: 'kubectl create role reader --verb=get,list,watch --resource=pods,deployments.apps,pods/log',
    body: '6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c6512650a160a0672656164657212001a0022002a0032003800420012240a036765740a046c6973740a05776174636812001a04706f64731a08706f64732f6c6f6712250a036765740a046c6973740a0577617463681204617070731a0b6465706c6f796d656e74731a002200',
    json: {
      kind: 'Role',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'reader', creationTimestamp: null },
      rules: [
        { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] },
        { verbs: ['get', 'list', 'watch'], apiGroups: ['apps'], resources: ['deployments'] },
      ],
    },
  },
  roleNames: {
    command: 'kubectl create role one --verb=get --resource=configmaps --resource-name=a --resource-name=b',
    body: '6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c6512300a130a036f6e6512001a0022002a0032003800420012190a0367657412001a0a636f6e6669676d6170732201612201621a002200',
    json: {
      kind: 'Role',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'one', creationTimestamp: null },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] }],
    },
  },
  rolebinding: {
    command:
      'kubectl create rolebinding rb --role=reader --user=alice --serviceaccount=default:robot --group=devs',
    body: '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c6542696e64696e6712bb010a120a02726212001a0022002a00320038004200122a0a04557365721219726261632e617574686f72697a6174696f6e2e6b38732e696f1a05616c6963652200122a0a0547726f75701219726261632e617574686f72697a6174696f6e2e6b38732e696f1a0464657673220012220a0e536572766963654163636f756e7412001a05726f626f74220764656661756c741a290a19726261632e617574686f72697a6174696f6e2e6b38732e696f1204526f6c651a067265616465721a002200',
    json: {
      kind: 'RoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'rb', creationTimestamp: null },
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
        { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' },
        { kind: 'ServiceAccount', name: 'robot', namespace: 'default' },
      ],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    },
  },
  clusterrole: {
    command:
      'kubectl create clusterrole cr --verb=get --non-resource-url=/healthz --non-resource-url=/version',
    body: '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c65122f0a120a02637212001a0022002a0032003800420012190a036765742a082f6865616c74687a2a082f76657273696f6e1a002200',
    json: {
      kind: 'ClusterRole',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'cr', creationTimestamp: null },
      rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/version'] }],
    },
  },
  clusterroleAggregate: {
    command: 'kubectl create clusterrole agg --aggregation-rule=rbac.example.com/aggregate=true',
    body: '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c65123d0a130a0361676712001a0022002a003200380042001a260a240a220a1a726261632e6578616d706c652e636f6d2f6167677265676174651204747275651a002200',
    json: {
      kind: 'ClusterRole',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'agg', creationTimestamp: null },
      rules: null,
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] },
    },
  },
  clusterrolebinding: {
    command: 'kubectl create clusterrolebinding crb --clusterrole=cr --user=bob',
    body: '6b3873000a320a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311212436c7573746572526f6c6542696e64696e67126d0a130a0363726212001a0022002a0032003800420012280a04557365721219726261632e617574686f72697a6174696f6e2e6b38732e696f1a03626f6222001a2c0a19726261632e617574686f72697a6174696f6e2e6b38732e696f120b436c7573746572526f6c651a0263721a002200',
    json: {
      kind: 'ClusterRoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'crb', creationTimestamp: null },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr' },
    },
  },
  ingress: {
    command:
      "kubectl create ingress ing --class=nginx --rule='foo.com/bar*=svc:8080,tls=tls-secret' --rule='baz.com/=svc2:http' --annotation=a=b --default-backend=def:80",
    body: '6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e677265737312af010a1b0a03696e6712001a0022002a0032003800420062060a0161120162128b010a0d220b0a0364656612040a00105012150a07666f6f2e636f6d120a746c732d7365637265741a2d0a07666f6f2e636f6d12220a200a1e0a042f626172120e220c0a0373766312050a0010903f1a065072656669781a2d0a0762617a2e636f6d12220a200a1e0a012f121222100a047376633212080a046874747010001a05457861637422056e67696e781a020a001a002200',
    json: {
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
      metadata: { name: 'ing', creationTimestamp: null, annotations: { a: 'b' } },
      spec: {
        ingressClassName: 'nginx',
        defaultBackend: { service: { name: 'def', port: { number: 80 } } },
        tls: [{ hosts: ['foo.com'], secretName: 'tls-secret' }],
        rules: [
          {
            host: 'foo.com',
            http: {
              paths: [
                {
                  path: '/bar',
                  pathType: 'Prefix',
                  backend: { service: { name: 'svc', port: { number: 8080 } } },
                },
              ],
            },
          },
          {
            host: 'baz.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Exact',
                  backend: { service: { name: 'svc2', port: { name: 'http' } } },
                },
              ],
            },
          },
        ],
      },
      status: { loadBalancer: {} },
    },
  },
  pdb: {
    command: 'kubectl create poddisruptionbudget pdb --selector=app=x --min-available=50%',
    body: '6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e427564676574123a0a130a0370646212001a0022002a0032003800420012170a09080110001a03353025120a0a080a036170701201781a0a080018002000280030001a002200',
    json: {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: { name: 'pdb', creationTimestamp: null },
      spec: { minAvailable: '50%', selector: { matchLabels: { app: 'x' } } },
      status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
    },
  },
  pdbMax: {
    command: 'kubectl create pdb pdb2 --selector=app=y --max-unavailable=0',
    body: '6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e42756467657412380a140a047064623212001a0022002a003200380042001214120a0a080a036170701201791a06080010001a001a0a080018002000280030001a002200',
    json: {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: { name: 'pdb2', creationTimestamp: null },
      spec: { selector: { matchLabels: { app: 'y' } }, maxUnavailable: 0 },
      status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
    },
  },
  configmap: {
    command: 'kubectl create configmap settings --from-literal=app.conf=x --from-literal=empty=',
    body: '6b3873000a0f0a0276311209436f6e6669674d617012340a180a0873657474696e677312001a0022002a00320038004200120d0a086170702e636f6e6612017812090a05656d70747912001a002200',
    json: {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'settings', creationTimestamp: null },
      data: { 'app.conf': 'x', empty: '' },
    },
  },
  secret: {
    command: 'kubectl create secret generic creds --from-literal=password=s3cr3t --type=Opaque',
    body: '6b3873000a0c0a027631120653656372657412330a150a05637265647312001a0022002a0032003800420012120a0870617373776f726412067333637233741a064f70617175651a002200',
    json: {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'creds', creationTimestamp: null },
      data: { password: 'czNjcjN0' },
      type: 'Opaque',
    },
  },
  namespace: {
    command: 'kubectl create namespace team',
    body: '6b3873000a0f0a02763112094e616d657370616365121c0a140a047465616d12001a0022002a0032003800420012001a020a001a002200',
    json: {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'team', creationTimestamp: null },
      spec: {},
      status: {},
    },
  },
};

/** Bodies with no JSON twin: a token request, and an autoscaling/v1 HPA the server does not serve. */
export const capturedOther = {
  autoscale: {
    command: 'kubectl autoscale deployment web --min=1 --max=5 --cpu-percent=80',
    body: '6b3873000a290a0e6175746f7363616c696e672f76311217486f72697a6f6e74616c506f644175746f7363616c6572123f0a130a0377656212001a0022002a0032003800420012220a1a0a0a4465706c6f796d656e7412037765621a07617070732f76311001180520501a04180020001a002200',
  },
  token: {
    command:
      'kubectl create token robot --duration=10m --audience=api --bound-object-kind=Secret --bound-object-name=creds',
    body: '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565737412390a100a0012001a0022002a00320038004200121f0a036170691a150a06536563726574120276311a056372656473220020d8041a040a0012001a002200',
  },
};
