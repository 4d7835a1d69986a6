/**
 * Adding a cloud site. The fields are the config keys the relay's scheduler reads for each
 * origin (relay/src/scheduler/cloud-site.ts); lists are sent comma-separated, as stored.
 */
import { Collapse, Form, Input, InputNumber, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, CLOUD_ORIGINS, type CloudOrigin, type Credential, type Provider } from './api.js';
import { FormModal } from './FormModal.js';
import { useRequired } from './rules.js';
import { useAction } from './useAction.js';

type ConfigValue = string | number | undefined;

interface SiteFormValues {
  origin: CloudOrigin;
  domain: string;
  credentialId: string;
  [configKey: string]: ConfigValue;
}

/** Keys of the form that are the site itself; every other filled field goes into `config`. */
const SITE_FIELDS = new Set(['origin', 'domain', 'credentialId']);

export function SiteForm(props: {
  open: boolean;
  credentials: Credential[];
  onClose: () => void;
  onAdded: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const { busy, run } = useAction();
  const required = useRequired();
  const [form] = Form.useForm<SiteFormValues>();
  const origin: CloudOrigin = Form.useWatch('origin', form) ?? 'qiniu-cdn';
  const provider: Provider = origin.startsWith('qiniu-') ? 'qiniu' : 'aliyun';

  const submit = (values: SiteFormValues) =>
    run(async () => {
      await api('POST', '/sites', toSiteBody(values));
      form.resetFields();
      props.onClose();
      await props.onAdded();
    }, t('sites.added'));

  const choices = (wanted: Provider) =>
    props.credentials
      .filter((credential) => credential.provider === wanted)
      .map((credential) => ({ value: credential.id, label: `${credential.name} (${credential.accessKeyId})` }));
  return (
    <FormModal
      title={t('sites.add')}
      open={props.open}
      busy={busy}
      onSubmit={() => form.submit()}
      onClose={props.onClose}
      width={640}
    >
      <Form<SiteFormValues>
        form={form}
        name="site"
        layout="vertical"
        initialValues={{ origin: 'qiniu-cdn' }}
        // Fields of another origin are unmounted when the origin changes; their values must go too.
        preserve={false}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item name="origin" label={t('sites.origin')} rules={required(t('sites.origin'), 'choice')}>
          <Select
            options={CLOUD_ORIGINS.map((value) => ({ value, label: t(`origins.${value}`) }))}
            onChange={() => form.setFieldValue('credentialId', undefined)}
          />
        </Form.Item>
        <Form.Item name="domain" label={t('sites.domain')} rules={required(t('sites.domain'))}>
          <Input placeholder="cdn.example.com" />
        </Form.Item>
        <Form.Item
          name="credentialId"
          label={t('sites.credential')}
          extra={t('sites.credentialHelp', { context: provider })}
          rules={required(t('sites.credential'), 'choice')}
        >
          <Select options={choices(provider)} />
        </Form.Item>
        <Form.Item
          name="challenge.credentialId"
          label={t('sites.challengeCredential')}
          extra={t('sites.challengeCredentialHelp')}
          rules={required(t('sites.challengeCredential'), 'choice')}
        >
          <Select options={choices('aliyun')} />
        </Form.Item>
        <Form.Item name="names" label={t('sites.names')} extra={t('sites.namesHelp')}>
          <Input placeholder="example.com, www.example.com" />
        </Form.Item>
        <Form.Item name="domains" label={t('sites.domains')} extra={t('sites.domainsHelp')}>
          <Input />
        </Form.Item>
        <OriginFields origin={origin} />
        <Collapse
          size="small"
          items={[{ key: 'advanced', label: t('sites.advanced'), forceRender: true, children: <AdvancedFields /> }]}
        />
      </Form>
    </FormModal>
  );
}

/** Renders the fields only some origins take: the OSS bucket and region, CAS region, Qiniu's wait. */
function OriginFields({ origin }: { origin: CloudOrigin }) {
  const { t } = useTranslation();
  const required = useRequired();
  return (
    <>
      {origin === 'aliyun-oss' && (
        <>
          <Form.Item name="bucket" label={t('sites.bucket')} rules={required(t('sites.bucket'))}>
            <Input />
          </Form.Item>
          <Form.Item
            name="ossRegion"
            label={t('sites.ossRegion')}
            extra={t('sites.ossRegionHelp')}
            rules={required(t('sites.ossRegion'))}
          >
            <Input placeholder="oss-cn-hangzhou" />
          </Form.Item>
        </>
      )}
      {origin.startsWith('aliyun-') && (
        <Form.Item name="casRegion" label={t('sites.casRegion')} extra={t('sites.casRegionHelp')}>
          <Input placeholder="cn-hangzhou" />
        </Form.Item>
      )}
      {origin.startsWith('qiniu-') && (
        <Form.Item name="processingWaitSeconds" label={t('sites.processingWaitSeconds')}>
          <InputNumber min={0} max={3600} style={{ width: '100%' }} />
        </Form.Item>
      )}
    </>
  );
}

function AdvancedFields() {
  const { t } = useTranslation();
  const seconds = (name: string, label: string, max: number) => (
    <Form.Item name={name} label={label}>
      <InputNumber min={1} max={max} style={{ width: '100%' }} />
    </Form.Item>
  );
  return (
    <>
      <Form.Item name="challenge.resolvers" label={t('sites.resolvers')} extra={t('sites.resolversHelp')}>
        <Input placeholder="223.5.5.5, 119.29.29.29" />
      </Form.Item>
      {seconds('challenge.propagationTimeoutSeconds', t('sites.propagationTimeoutSeconds'), 3600)}
      <Form.Item name="edge.address" label={t('sites.edgeAddress')}>
        <Input />
      </Form.Item>
      <Form.Item name="edge.port" label={t('sites.edgePort')}>
        <InputNumber min={1} max={65535} style={{ width: '100%' }} />
      </Form.Item>
      {seconds('edge.timeoutSeconds', t('sites.edgeTimeoutSeconds'), 3600)}
      {seconds('edge.intervalSeconds', t('sites.edgeIntervalSeconds'), 600)}
    </>
  );
}

/** Builds the `POST /sites` body, leaving out blank fields and trimming spaces around commas. */
function toSiteBody(values: SiteFormValues) {
  const config: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values)) {
    if (SITE_FIELDS.has(key) || value === undefined || value === null) continue;
    if (typeof value === 'number') config[key] = value;
    else if (value.trim() !== '')
      config[key] = value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .join(',');
  }
  return { origin: values.origin, domain: values.domain.trim(), credentialId: values.credentialId, config };
}
