import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Popconfirm, Space, Table, Typography, type TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ListState } from './useList.js';

/**
 * Renders a list page: the title with refresh and add buttons, the table of `list.items`, and
 * `children` (the page's modals and drawers).
 */
export function ListPage<T extends { id: string }>(props: {
  title: string;
  addLabel: string;
  onAdd: () => void;
  list: ListState<T>;
  columns: TableColumnsType<T>;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Card>
      <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {props.title}
        </Typography.Title>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void props.list.reload()}>
            {t('common.refresh')}
          </Button>
          <Button type="primary" icon={<PlusOutlined />} onClick={props.onAdd}>
            {props.addLabel}
          </Button>
        </Space>
      </Flex>
      <Table<T>
        rowKey="id"
        loading={props.list.loading}
        dataSource={props.list.items}
        pagination={false}
        columns={props.columns}
      />
      {props.children}
    </Card>
  );
}

/** Renders a small red button that shows `question` in a confirmation popup before it calls `onConfirm`. */
export function ConfirmButton(props: { question: string; label: string; onConfirm: () => Promise<unknown> }) {
  return (
    <Popconfirm title={props.question} onConfirm={props.onConfirm}>
      <Button danger size="small">
        {props.label}
      </Button>
    </Popconfirm>
  );
}
