import { Modal } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** Renders the modal around an add form: Save submits the form, Cancel closes the modal. */
export function FormModal(props: {
  title: string;
  open: boolean;
  busy: boolean;
  onSubmit: () => void;
  onClose: () => void;
  /** Replaces Save, for a modal that shows a result once the form is sent. */
  okText?: string;
  hideCancel?: boolean;
  width?: number;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      title={props.title}
      open={props.open}
      onCancel={props.onClose}
      onOk={props.onSubmit}
      okText={props.okText ?? t('common.save')}
      cancelText={t('common.cancel')}
      cancelButtonProps={props.hideCancel ? { style: { display: 'none' } } : {}}
      confirmLoading={props.busy}
      width={props.width}
    >
      {props.children}
    </Modal>
  );
}
